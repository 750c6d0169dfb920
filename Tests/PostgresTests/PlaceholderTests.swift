@testable import Host
import Testing

@Suite("SQL placeholders and conninfo redaction")
struct PlaceholderTests {
    @Test func sqliteRewritesDollarNumbers() {
        #expect(SQLPlaceholders.sqlite("SELECT $2, $1 WHERE a='$3'") == "SELECT ?2, ?1 WHERE a='$3'")
        #expect(SQLPlaceholders.sqlite("SELECT ? FROM t") == "SELECT ? FROM t")
    }

    @Test func postgresRewritesQuestionMarks() {
        #expect(SQLPlaceholders.postgres("a=? AND b=? AND c='?'") == "a=$1 AND b=$2 AND c='?'")
        #expect(SQLPlaceholders.postgres("?3 + ?1, ?") == "$3 + $1, $4")
        #expect(SQLPlaceholders.postgres("x=$1") == "x=$1")
    }

    @Test func conninfoPasswordsAreRedacted() {
        #expect(PostgresConnInfo.redacted("postgres://xaas:s3cret@db:5432/xaas") == "postgres://xaas:***@db:5432/xaas")
        #expect(PostgresConnInfo.redacted("host=db password=s3cret user=x") == "host=db password=*** user=x")
        #expect(PostgresConnInfo.redacted("host=db password = 'a b\\' c' user=x") == "host=db password=*** user=x")
        #expect(PostgresConnInfo.redacted("postgres://db/x?password=s3cret&sslmode=require") == "postgres://db/x?password=***&sslmode=require")
        #expect(!PostgresConnInfo.redacted("postgresql://u:p%40ss@h/d").contains("p%40ss"))
    }
}
