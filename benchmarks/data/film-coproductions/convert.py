"""Convert bokeh_sampledata's Wikidata film table into Tsunagu's ingest JSON Lines.

Entities are production companies, collaborations are the films that two or more of them
produced together (a film's ``Production`` field in the ``tomatoes`` table lists its
production companies).  Only the Python standard library is used; the data comes from the
installed ``bokeh_sampledata`` package (``pip install --no-deps bokeh-sampledata==2026.1``)
or from ``--db PATH`` (its ``_data/movies.db``).

    python convert.py                 # writes organizations.jsonl, collaborations.jsonl here
    python convert.py --out DIR --split-date 2012-01-01

Organization descriptions use only the films released before ``--split-date`` (the
training period), so no title of a test-period film leaks into the organizations' text.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import importlib.metadata
import importlib.util
import json
import re
import sqlite3
import sys
import unicodedata
from pathlib import Path

EXPECTED_VERSION = "2026.1"
DEFAULT_SPLIT = "2012-01-01"

# Country names as Wikidata labels them in movies.db -> ISO 3166-1 alpha-2 (historical
# states get their former ISO code, or their main successor's where that code was reused).
# fmt: off
COUNTRY_CODES = {
    "Afghanistan": "AF", "Albania": "AL", "Algeria": "DZ", "Argentina": "AR", "Armenia": "AM",
    "Australia": "AU", "Austria": "AT", "Bangladesh": "BD", "Belarus": "BY", "Belgium": "BE",
    "Bolivia": "BO", "Bosnia and Herzegovina": "BA", "Botswana": "BW", "Brazil": "BR",
    "British Hong Kong": "HK", "Bulgaria": "BG", "Burkina Faso": "BF", "Cambodia": "KH",
    "Cameroon": "CM", "Canada": "CA", "Chad": "TD", "Chile": "CL", "Colombia": "CO",
    "Croatia": "HR", "Cuba": "CU", "Cyprus": "CY", "Czech Republic": "CZ",
    "Czechoslovakia": "CS", "Democratic Republic of the Congo": "CD", "Denmark": "DK",
    "Dominican Republic": "DO", "Ecuador": "EC", "Egypt": "EG", "Eritrea": "ER",
    "Estonia": "EE", "Ethiopia": "ET", "Federal Republic of Yugoslavia": "YU", "Finland": "FI",
    "France": "FR", "Georgia": "GE", "Georgian SSR": "GE", "Germany": "DE", "Ghana": "GH",
    "Greece": "GR", "Guatemala": "GT", "Hong Kong": "HK", "Hungary": "HU", "Iceland": "IS",
    "India": "IN", "Indonesia": "ID", "Iran": "IR", "Iraq": "IQ", "Ireland": "IE",
    "Israel": "IL", "Italy": "IT", "Ivory Coast": "CI", "Jamaica": "JM", "Japan": "JP",
    "Jordan": "JO", "Kazakhstan": "KZ", "Kenya": "KE", "Kingdom of Great Britain": "GB",
    "Kingdom of Italy": "IT", "Kingdom of the Netherlands": "NL", "Kosovo": "XK",
    "Kyrgyzstan": "KG", "Laos": "LA", "Latvia": "LV", "Lebanon": "LB", "Liechtenstein": "LI",
    "Lithuania": "LT", "Luxembourg": "LU", "Malaysia": "MY", "Mali": "ML", "Malta": "MT",
    "Mauritania": "MR", "Mexico": "MX", "Monaco": "MC", "Mongolia": "MN", "Morocco": "MA",
    "Nepal": "NP", "Netherlands": "NL", "New Zealand": "NZ", "Nigeria": "NG",
    "North Macedonia": "MK", "Norway": "NO", "Occupied Palestinian territory": "PS",
    "Pakistan": "PK", "Palestine": "PS", "Panama": "PA", "Papua New Guinea": "PG",
    "Paraguay": "PY", "People's Republic of China": "CN", "Peru": "PE", "Philippines": "PH",
    "Poland": "PL", "Portugal": "PT", "Qatar": "QA", "Republic of China": "TW",
    "Romania": "RO", "Russia": "RU", "Rwanda": "RW", "Saudi Arabia": "SA", "Senegal": "SN",
    "Serbia": "RS", "Serbia and Montenegro": "YU", "Singapore": "SG", "Slovakia": "SK",
    "Slovenia": "SI", "Socialist Federal Republic of Yugoslavia": "YU", "South Africa": "ZA",
    "South Korea": "KR", "Soviet Union": "SU", "Spain": "ES", "Sweden": "SE",
    "Switzerland": "CH", "Syria": "SY", "Taiwan": "TW", "Taiwan Island": "TW",
    "Tanzania": "TZ", "Thailand": "TH", "The Bahamas": "BS", "Tunisia": "TN", "Turkey": "TR",
    "Ukraine": "UA", "United Arab Emirates": "AE", "United Kingdom": "GB",
    "United States": "US", "Uruguay": "UY", "Venezuela": "VE", "Vietnam": "VN", "Wales": "GB",
    "West Germany": "DE", "Yemen": "YE", "Yugoslavia": "YU",
}
# fmt: on

# Sector: production companies are businesses; public film funds, film institutes,
# ministries and screen agencies are government; foundations and non-profit (member-funded)
# broadcasters are npo; film schools are school; public-service broadcasters are other.
GOVERNMENT = re.compile(
    r"film (institute|commission|centre|board|fund|office|finance)|filmstiftung|medienstiftung"
    r"|\bfonds?\b|\bfund\b|ministry|minist[eè]re|state committee|arts council|screen agenc"
    r"|eurimages|telefilm canada|screen (australia|ireland|nsw)|^screenwest$|^vicscreen$"
    r"|northern ireland screen|scottish screen|british screen|uk film council|medienboard"
    r"|film i väst|national centre of cinematography|instituto (mexicano|cubano)"
    r"|national institute of cinema|broadcasting authority|broadcast funding agency"
    r"|copyright office|bfi production board|british film institute|regional screen"
    r"|film commission|canadian television fund|production fund",
    re.IGNORECASE,
)
NPO = re.compile(
    r"foundation|fondation|fundaci[oó]n|stiftung|society|royal national theatre"
    r"|^itvs$|^wgbh|^weta|georgia public broadcasting",
    re.IGNORECASE,
)
SCHOOL = re.compile(r"university|universit[àaé]|school|college|academy of", re.IGNORECASE)
# fmt: off
PUBLIC_BROADCASTERS = {
    "ARD", "Arte", "Arte France", "Arte France Cinéma", "BBC Earth", "BBC Film",
    "BBC Natural History Unit", "BBC Radio Bristol", "BBC Scotland", "BBC Worldwide",
    "British Broadcasting Corporation", "Channel 4", "DR", "DRTV",
    "Hellenic Broadcasting Corporation",
    "NHK", "RAI", "Rai Cinema", "Rai Fiction", "Radiotelevisione svizzera di lingua italiana",
    "SVT Drama", "Sveriges Television", "Swiss Broadcasting Corporation", "Television of Catalonia",
    "Televisión Española", "Televisión de Galicia", "TV5 Monde", "Yle", "ZDF", "ZDF Studios",
    "USSR State Committee for Television and Radio",
}
# fmt: on

OVERRIDES = {
    "Film- und Medienstiftung NRW": "government",  # North Rhine-Westphalia's film fund
    "The British Screen Advisory Council": "association",  # industry membership body
}


def sector_of(name: str) -> str:
    if name in OVERRIDES:
        return OVERRIDES[name]
    if name in PUBLIC_BROADCASTERS:
        return "government" if name.startswith("USSR State") else "other"
    if SCHOOL.search(name) and "Highschool" not in name:
        return "school"
    if NPO.search(name):
        return "npo"
    if GOVERNMENT.search(name) and not name.startswith(("Silver Screen", "Screen Gems")):
        return "government"
    return "business"


def default_db() -> Path:
    spec = importlib.util.find_spec("bokeh_sampledata")
    if spec is None or not spec.submodule_search_locations:
        sys.exit(
            "bokeh_sampledata is not installed: pip install --no-deps"
            " bokeh-sampledata==2026.1, or pass --db PATH/TO/movies.db"
        )
    version = importlib.metadata.version("bokeh_sampledata")
    if version != EXPECTED_VERSION:
        print(
            f"warning: bokeh_sampledata {version} (this conversion was made from "
            f"{EXPECTED_VERSION}; its movies.db may differ)",
            file=sys.stderr,
        )
    return Path(list(spec.submodule_search_locations)[0]) / "_data" / "movies.db"


def slug(name: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")
    return text or hashlib.sha1(name.encode()).hexdigest()[:10]


def split_list(value: str | None) -> list[str]:
    seen: dict[str, None] = {}
    for part in (value or "").split(", "):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return list(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", type=Path, help="movies.db (default: the installed bokeh_sampledata)"
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument(
        "--split-date",
        default=DEFAULT_SPLIT,
        help="organization descriptions use only films released before this date",
    )
    args = parser.parse_args()
    db = args.db or default_db()
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    films = con.execute(
        "SELECT o.imdbID, o.Title, o.Year, o.Released, o.Genre, o.Country, o.Language,"
        " o.Director, o.Writer, t.Production FROM omdb o JOIN tomatoes t ON o.ID = t.ID"
        " ORDER BY o.Released, o.imdbID"
    ).fetchall()

    by_company: dict[str, list[tuple]] = collections.defaultdict(list)
    coproductions = []
    for film in films:
        companies = split_list(film[9])
        for company in companies:
            by_company[company].append(film)
        if len(companies) >= 2:
            coproductions.append((film, companies))

    partners = sorted({c for _, companies in coproductions for c in companies})
    ids: dict[str, str] = {}
    used: set[str] = set()
    for name in partners:
        base = "prod-" + slug(name)
        ident = base
        if ident in used:
            ident = f"{base}-{hashlib.sha1(name.encode()).hexdigest()[:6]}"
        used.add(ident)
        ids[name] = ident

    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "organizations.jsonl", "w", encoding="utf-8", newline="\n") as out:
        for name in partners:
            own = by_company[name]
            weights: collections.Counter[str] = collections.Counter()
            for film in own:
                countries = [COUNTRY_CODES[c] for c in split_list(film[5]) if c in COUNTRY_CODES]
                for code in set(countries):
                    weights[code] += 1 / len(set(countries))
            record = {"id": ids[name], "name": name, "sector": sector_of(name)}
            if weights:
                code, weight = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[0]
                if weight >= 0.5 * len(own):
                    record["area"] = code
            before = [f for f in own if f[3] < args.split_date]
            parts = ["Film production company."]
            if before:
                genres = collections.Counter(g for f in before for g in split_list(f[4]))
                countries = collections.Counter(c for f in before for c in split_list(f[5]))
                span = (
                    f"{before[0][2]}"
                    if before[0][2] == before[-1][2]
                    else f"{before[0][2]}–{before[-1][2]}"
                )
                parts.append(f"{len(before)} film{'s' if len(before) > 1 else ''} ({span}).")
                if genres:
                    parts.append("Genres: " + ", ".join(g for g, _ in genres.most_common(4)) + ".")
                if countries:
                    top = ", ".join(c for c, _ in countries.most_common(3))
                    parts.append(f"Countries: {top}.")
                titles = [f"{f[1]} ({f[2]})" for f in before[-8:]]
                parts.append("Films: " + "; ".join(titles) + ".")
            record["description"] = " ".join(parts)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")

    with open(args.out / "collaborations.jsonl", "w", encoding="utf-8", newline="\n") as out:
        for film, companies in coproductions:
            imdb, title, year, released, genre, country, language, director, writer, _ = film
            bits = []
            kind = (genre or "").strip()
            bits.append(f"{kind} film" if kind else "Film")
            if country:
                bits.append(f"from {country}")
            text = " ".join(bits)
            if language:
                text += f", in {language}"
            text += "."
            if director:
                text += f" Directed by {director}."
            if writer:
                text += f" Written by {writer}."
            record = {
                "id": f"film-{imdb}",
                "title": title,
                "description": text,
                "form": "project_cooperation",
                "starts": released,
                "status": "ended",
                "participants": [{"org_id": ids[c], "role": "partner"} for c in companies],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{len(partners)} organizations, {len(coproductions)} collaborations -> {args.out}")


if __name__ == "__main__":
    main()
