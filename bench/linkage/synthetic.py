"""A synthetic registry with known duplicates, for `compare.py`.

People of Türkiye and Serbia: Turkish, Serbian (30% of Serbian records in
Cyrillic) and Romani names, drawn with a long tail (a few names very common,
many rare). A share of people are registered more than once, each copy changed
the way registers change them: diacritics dropped, transliteration variants
(Mehmed/Mehmet, Redžep/Recep, Šaban/Şaban), a typo, given and family name
swapped, birth date a year off, day and month swapped, year only or missing,
the ID number missing or mistyped, another locality, capitals.

Writes two files of the same records: one for Köprü (names as written) and one
for Splink (names already folded to lower-case Latin, as its FEBRL-style
comparisons expect). Record ids are `p<person>_<copy>`.

usage: synthetic.py N kopru.csv splink.csv [seed]
"""

import csv
import random
import sys
import unicodedata

TR_MALE = """Mehmet Ahmet Mustafa Ali Hüseyin Hasan İbrahim İsmail Osman Yusuf Murat Ömer Ramazan Halil
Süleyman Abdullah Mahmut Recep Salih Fatih Kemal Kadir Emre Hakan Adem Orhan Serkan Burak Şükrü
Yaşar Cemal Erkan Sinan Tuncay Volkan Ercan Bayram Şaban Selim Cengiz Levent Gökhan Uğur Okan""".split()
TR_FEMALE = """Fatma Ayşe Emine Hatice Zeynep Elif Meryem Şerife Zehra Sultan Hanife Merve Havva Zeliha
Esra Fadime Özlem Hacer Yasemin Hülya Gülsüm Dilek Büşra Kübra Leyla Songül Gülşen Sevim Nurten
Derya Aynur Filiz Necla Serpil Tülay Nermin Şükran Gönül Melek Selma""".split()
TR_FAMILY = """Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç Aslan
Çetin Kara Koç Kurt Özkan Şimşek Polat Özcan Korkmaz Çakır Erdoğan Yavuz Can Acar Şen Aktaş Güler
Yalçın Güneş Bozkurt Bulut Keskin Ünal Turan Gül Özer Işık Kaplan Avcı Sarı Tekin Taş Köse Yüksel
Ateş Aksoy Ekinci Karataş Sevim Akın Tunç Güven Erdem Uysal Altun Coşkun Kocabaş""".split()
RS_MALE = """Nikola Marko Stefan Luka Lazar Miloš Aleksandar Nemanja Dušan Đorđe Milan Dragan Zoran Goran
Dejan Nenad Vladimir Bojan Srđan Predrag Željko Slobodan Miroslav Branislav Dragoljub Živko Radoš
Vukašin Ognjen Čedomir""".split()
RS_FEMALE = """Milica Jelena Ana Marija Jovana Dragana Ljiljana Snežana Vesna Gordana Biljana Tatjana
Svetlana Mirjana Jasmina Ivana Nataša Danijela Slađana Zorica Radmila Dušica Branka Vesela Ružica""".split()
RS_FAMILY = """Jovanović Petrović Nikolić Marković Đorđević Stojanović Ilić Stanković Pavlović Milošević
Popović Kostić Todorović Živković Savić Ristić Mitrović Lazić Đukić Obradović Tomić Kovačević Simić
Vasić Radović Jovičić Nešić Cvetković Stevanović Krstić""".split()
ROM_MALE = """Šaban Redžep Bajram Ramiz Džemal Sabit Ramadan Muharem Senad Ferid Šefket Sead Dževdet Nedžat
Ismet Fikret Hajrudin Jašar Mehmed Safet Elvis Dalibor Kemal Zijad Muamer Ćazim Demir Selam""".split()
ROM_FEMALE = """Fatima Sevdija Ajša Šemsa Rukija Hanumša Zumreta Mejra Selvija Saneta Emina Sabina Nermina
Elmaza Dženeta Ramiza Fatija Šerifa Bahrija Hatidža Zlatija Suada Aida Alma""".split()
ROM_FAMILY = """Ajdini Bajramović Demirović Salihović Memedović Osmani Šaćiri Mustafić Rašidović Halilović
Idrizi Bekteši Ramić Alijević Mehmedović Redžepović Jašarević Šabanović Beriša Krasnići Hasani Zećiri
Gaši Redžepi Durmiši Selimović Avdić Ibrahimović Asanović Mujić""".split()
TR_PLACES = "Altındağ Seyhan Buca Sarıyer Edirne Şehzadeler Keçiören Çankaya Osmangazi Tepebaşı".split()
RS_PLACES = "Niš Kragujevac Vranje Zvezdara Leskovac Pirot Subotica Novi_Sad Čukarica Palilula".split()

# Transliteration variants people really write (both ways).
VARIANTS = [("Mehmet", "Mehmed"), ("Redžep", "Recep"), ("Šaban", "Şaban"), ("Ramazan", "Ramadan"),
            ("Džemal", "Cemal"), ("Ćazim", "Kazım"), ("Jašar", "Yaşar"), ("Bajram", "Bayram"),
            ("Sead", "Seyit"), ("Šefket", "Şevket"), ("Ajša", "Ayşe"), ("Hatidža", "Hatice")]

CYR = {"A": "А", "B": "Б", "V": "В", "G": "Г", "D": "Д", "Đ": "Ђ", "E": "Е", "Ž": "Ж", "Z": "З", "I": "И",
       "J": "Ј", "K": "К", "L": "Л", "M": "М", "N": "Н", "O": "О", "P": "П", "R": "Р", "S": "С", "T": "Т",
       "Ć": "Ћ", "U": "У", "F": "Ф", "H": "Х", "C": "Ц", "Č": "Ч", "Š": "Ш"}
DIGRAPHS = {"Lj": "Љ", "LJ": "Љ", "Nj": "Њ", "NJ": "Њ", "Dž": "Џ", "DŽ": "Џ"}


def to_cyrillic(s: str) -> str:
    out, i = [], 0
    while i < len(s):
        two = s[i:i + 2]
        if two in DIGRAPHS or two.capitalize() in DIGRAPHS:
            key = two if two in DIGRAPHS else two.capitalize()
            c = DIGRAPHS[key]
            out.append(c if two[0].isupper() else c.lower())
            i += 2
            continue
        ch = s[i]
        c = CYR.get(ch.upper())
        out.append(ch if c is None else (c if ch.isupper() else c.lower()))
        i += 1
    return "".join(out)


LATIN_OF = {v: k for k, v in CYR.items()}
LATIN_OF.update({"Љ": "Lj", "Њ": "Nj", "Џ": "Dž"})


def fold(s: str) -> str:
    """Lower-case ASCII Latin, as Splink gets it."""
    latin = "".join(LATIN_OF.get(ch.upper(), ch).lower() if ch.upper() in LATIN_OF else ch for ch in s)
    latin = latin.replace("đ", "dj").replace("ı", "i").replace("İ", "i")
    return unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode().lower().strip()


def zipf_pick(rng: random.Random, names: list[str]) -> str:
    # Rank r chosen with weight 1/(r+1): a few names very common, a long tail.
    weights = [1 / (r + 1) for r in range(len(names))]
    return rng.choices(names, weights)[0]


def typo(rng: random.Random, s: str) -> str:
    if len(s) < 4:
        return s
    i = rng.randrange(1, len(s) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return s[:i] + s[i + 1:]
    if kind == 1:
        return s[:i] + rng.choice("aeinrslt") + s[i:]
    if kind == 2:
        return s[:i] + rng.choice("aeinrslt") + s[i + 1:]
    return s[:i - 1] + s[i] + s[i - 1] + s[i + 1:]


def strip_diacritics(s: str) -> str:
    s = s.replace("đ", "dj").replace("Đ", "Dj").replace("ı", "i").replace("İ", "I")
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


def variant(s: str) -> str:
    for a, b in VARIANTS:
        if s == a:
            return b
        if s == b:
            return a
    return strip_diacritics(s)


def tc_kimlik(rng: random.Random) -> str:
    d = [rng.randrange(1, 10)] + [rng.randrange(10) for _ in range(8)]
    d10 = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    d11 = (sum(d) + d10) % 10
    return "".join(map(str, d + [d10, d11]))


def person(rng: random.Random, pid: int) -> dict:
    group = rng.random()
    female = rng.random() < 0.5
    if group < 0.45:
        country, given_pool, family_pool = "TR", TR_FEMALE if female else TR_MALE, TR_FAMILY
        father_pool, mother_pool, places = TR_MALE, TR_FEMALE, TR_PLACES
    elif group < 0.75:
        country, given_pool, family_pool = "RS", RS_FEMALE if female else RS_MALE, RS_FAMILY
        father_pool, mother_pool, places = RS_MALE, RS_FEMALE, RS_PLACES
    else:
        country = rng.choice(["TR", "RS"])
        given_pool, family_pool = ROM_FEMALE if female else ROM_MALE, ROM_FAMILY
        father_pool, mother_pool = ROM_MALE, ROM_FEMALE
        places = TR_PLACES if country == "TR" else RS_PLACES
    given = zipf_pick(rng, given_pool)
    if rng.random() < 0.15:
        given += " " + zipf_pick(rng, given_pool)
    year = rng.randrange(1935, 2024)
    return {
        "country": country,
        "given": given,
        "family": zipf_pick(rng, family_pool),
        "father": zipf_pick(rng, father_pool),
        "mother": zipf_pick(rng, mother_pool) if rng.random() < 0.6 else "",
        "birth": (year, rng.randrange(1, 13), rng.randrange(1, 29)),
        "precision": rng.choices(["day", "month", "year"], [0.7, 0.1, 0.2])[0],
        "sex": "f" if female else "m",
        "national_id": (tc_kimlik(rng) if country == "TR" else "".join(str(rng.randrange(10)) for _ in range(13)))
        if rng.random() < 0.4 else "",
        "locality": rng.choice(places).replace("_", " "),
        "phone": f"06{rng.randrange(10**8):08d}" if rng.random() < 0.5 else "",
        "cyrillic": country == "RS" and rng.random() < 0.3,
    }


def corrupt(rng: random.Random, p: dict) -> dict:
    q = dict(p)
    changes = rng.sample(range(11), rng.randrange(1, 4))
    for c in changes:
        if c == 0:
            q["given"], q["family"] = strip_diacritics(q["given"]), strip_diacritics(q["family"])
        elif c == 1:
            q["given"] = " ".join(variant(w) for w in q["given"].split())
        elif c == 2:
            field = rng.choice(["given", "family"])
            q[field] = typo(rng, q[field])
        elif c == 3:
            q["given"], q["family"] = q["family"], q["given"]
        elif c == 4:
            y, m, d = q["birth"]
            q["birth"] = (y + rng.choice([-1, 1]), m, d)
        elif c == 5:
            y, m, d = q["birth"]
            if d <= 12:
                q["birth"] = (y, d, m)
        elif c == 6:
            q["precision"] = rng.choice(["year", "none"])
        elif c == 7:
            q["national_id"] = ""
        elif c == 8 and q["national_id"]:
            i = rng.randrange(len(q["national_id"]))
            q["national_id"] = q["national_id"][:i] + str(rng.randrange(10)) + q["national_id"][i + 1:]
        elif c == 9:
            q["locality"] = rng.choice(TR_PLACES if q["country"] == "TR" else RS_PLACES).replace("_", " ")
        elif c == 10:
            q["given"], q["family"] = q["given"].upper(), q["family"].upper()
    q["phone"] = q["phone"] if rng.random() < 0.5 else ""
    q["cyrillic"] = q["country"] == "RS" and rng.random() < 0.3
    return q


def birth_text(p: dict) -> str:
    y, m, d = p["birth"]
    return {"day": f"{y:04d}-{m:02d}-{d:02d}", "month": f"{y:04d}-{m:02d}", "year": f"{y:04d}",
            "none": ""}[p["precision"]]


def main() -> None:
    n = int(sys.argv[1])
    kopru_out, splink_out = sys.argv[2], sys.argv[3]
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    people = max(1, int(n / 1.3))
    with open(kopru_out, "w", newline="") as f, open(splink_out, "w", newline="") as g:
        k = csv.writer(f)
        s = csv.writer(g)
        k.writerow(["id", "given_name", "family_name", "father_name", "mother_name", "birth_date", "sex",
                    "national_id", "locality", "phone"])
        s.writerow(["unique_id", "given_name", "family_name", "father_name", "mother_name", "birth_date",
                    "birth_year", "sex", "national_id", "locality", "phone"])
        written = 0
        pid = 0
        while written < n:
            p = person(rng, pid)
            copies = [p] + [corrupt(rng, p) for _ in range(rng.choices([0, 1, 2, 3], [0.75, 0.17, 0.06, 0.02])[0])]
            for c, r in enumerate(copies):
                if written >= n:
                    break
                names = [r["given"], r["family"], r["father"], r["mother"]]
                if r["cyrillic"]:
                    names = [to_cyrillic(x) for x in names]
                rid = f"p{pid}_{c}"
                birth = birth_text(r)
                k.writerow([rid, *names, birth, r["sex"], r["national_id"], r["locality"], r["phone"]])
                s.writerow([rid, *(fold(x) or None for x in names), birth if r["precision"] == "day" else None,
                            birth[:4] or None, r["sex"], r["national_id"] or None, fold(r["locality"]),
                            r["phone"] or None])
                written += 1
            pid += 1


if __name__ == "__main__":
    main()
