/* Placeholder: the plain-C "static" connector lands here. */
#include "xaas_plugin.h"
__attribute__((visibility("default")))
const xaas_plugin_descriptor *xaas_plugin_entry_v1(const xaas_host_info *host) { (void)host; return 0; }
