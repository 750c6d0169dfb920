#!/usr/bin/env python3
"""Generate the example HR export connectors.d/acme/data/users.csv (100 synthetic users).

Deterministic: the same seed always gives the same file, so the committed CSV can be regenerated and
diffed. Columns follow the iamse.blog "Anything-as-a-Source" workshop sample (minus its Workflows-table
metadata columns) plus `department`:

  id, active, title, first_name, last_name, street_number, street_name, city, state, country,
  postcode, email, phone, cell, dob, department, hire_date

`id` is an immutable employee number (the Okta externalId); `active` is "true"/"false"; `hire_date` is
`yyyy-MM-dd` (the source's `lifecycle.startDate`). The last user is a future hire (2099) whom the
lifecycle holds, so the quickstart always shows a `pending` count.
Usage: scripts/make-sample-users.py [--seed N] [--count N] [--out PATH]
"""
import argparse
import csv
import datetime
import os
import random
import sys
import unicodedata

FIRST = ["Ann", "Albert", "Bea", "Carlos", "Chloé", "Dmitri", "Elif", "Emma", "Farid", "Grace", "Hiro", "Ingrid",
         "José", "Julia", "Kwame", "Léa", "Liam", "Mei", "Mohammed", "Nora", "Olivia", "Øystein", "Priya", "Quentin",
         "Rosa", "Søren", "Tariq", "Uma", "Victor", "Wen", "Xavier", "Yara", "Zoë", "Łukasz", "Ömer", "Noah"]
LAST = ["Lee", "Gambaro", "Schmidt", "Müller", "García", "Núñez", "Kowalski", "Çelik", "Yılmaz", "Dubois", "Rossi",
        "Tanaka", "Okafor", "Johansson", "Nguyen", "Patel", "O'Brien", "Smith", "Brown", "Martin", "Novák", "Silva",
        "Andersen", "Haddad", "Kim", "Fischer", "Lopez", "Ivanova", "Costa", "Walker"]
TITLES = ["Mr", "Ms", "Mrs", "Dr", "Mx"]
PLACES = [  # (city, state, country ISO-2, postcode pattern, phone pattern, streets)
    ("Zürich", "Zürich", "CH", "80##", "0##-###-##-##", ["Bahnhofstrasse", "Limmatquai"]),
    ("Genève", "Genève", "CH", "12##", "0##-###-##-##", ["Rue du Rhône", "Quai du Mont-Blanc"]),
    ("İstanbul", "İstanbul", "TR", "34###", "(###)-###-####", ["İstiklal Caddesi", "Bağdat Caddesi"]),
    ("Madrid", "Comunidad de Madrid", "ES", "28###", "9##-###-###", ["Calle del Arenal", "Gran Vía"]),
    ("A Coruña", "Galicia", "ES", "15###", "9##-###-###", ["Rúa Real", "Avenida da Mariña"]),
    ("Lyon", "Auvergne-Rhône-Alpes", "FR", "69###", "0#-##-##-##-##", ["Rue de la République, Bât. B", "Quai Saint-Antoine"]),
    ("München", "Bayern", "DE", "8####", "0###-#######", ["Leopoldstraße", "Maximilianstraße"]),
    ("Kraków", "Małopolskie", "PL", "3#-###", "##-###-##-##", ["ulica Floriańska", "ulica Grodzka"]),
    ("Austin", "Texas", "US", "787##", "(###) ###-####", ["Congress Avenue", "Elm Street"]),
    ("San Francisco", "California", "US", "941##", "(###) ###-####", ["Market Street", "Valencia Street"]),
    ("Toronto", "Ontario", "CA", "M#A #B#", "###-###-####", ["Queen Street West", "Yonge Street"]),
    ("Sydney", "New South Wales", "AU", "2###", "##-####-####", ["George Street", "Oxford Street"]),
]
DEPARTMENTS = ["Okta Workflows", "Okta Workflows", "Okta Workflows", "Engineering", "Sales", "Finance",
               "People Ops", "Support"]


def fill(pattern, rng):
    return "".join(str(rng.randint(0, 9)) if ch == "#" else ch for ch in pattern)


def ascii_slug(text):
    text = text.replace("ø", "o").replace("Ø", "O").replace("ł", "l").replace("Ł", "L").replace("ı", "i").replace("İ", "I")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def make_rows(seed, count):
    rng = random.Random(seed)
    hires = random.Random(seed + 1)  # separate, so the other columns do not change with it
    used = set()
    inactive = set(rng.sample(range(count), max(1, count // 12)))
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        local = f"{ascii_slug(first)}.{ascii_slug(last)}"
        email, k = f"{local}@example.com", 2
        while email in used:
            email, k = f"{local}{k}@example.com", k + 1
        used.add(email)
        city, state, country, post, phone, streets = rng.choice(PLACES)
        born = datetime.datetime(1960, 1, 1) + datetime.timedelta(seconds=rng.randint(0, 42 * 365 * 86400),
                                                                   milliseconds=rng.randint(0, 999))
        yield {
            "id": f"emp-{10001 + n:05d}",
            "active": "false" if n in inactive else "true",
            "title": rng.choice(TITLES),
            "first_name": first,
            "last_name": last,
            "street_number": str(rng.randint(1, 9999)),
            "street_name": rng.choice(streets),
            "city": city,
            "state": state,
            "country": country,
            "postcode": fill(post, rng),
            "email": email,
            "phone": fill(phone, rng),
            "cell": fill(phone, rng),
            "dob": born.strftime("%Y-%m-%dT%H:%M:%S.") + f"{born.microsecond // 1000:03d}Z",
            "department": rng.choice(DEPARTMENTS),
            "hire_date": "2099-01-05" if n == count - 1 else
                         (datetime.date(2005, 1, 1) + datetime.timedelta(days=hires.randint(0, 20 * 365))).isoformat(),
        }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--out", default=os.path.join(here, "..", "connectors.d", "acme", "data", "users.csv"))
    args = parser.parse_args()
    columns = ["id", "active", "title", "first_name", "last_name", "street_number", "street_name", "city", "state",
               "country", "postcode", "email", "phone", "cell", "dob", "department", "hire_date"]
    out = sys.stdout if args.out == "-" else open(args.out, "w", newline="", encoding="utf-8")
    with out:
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in make_rows(args.seed, args.count):
            writer.writerow(row)


if __name__ == "__main__":
    main()
