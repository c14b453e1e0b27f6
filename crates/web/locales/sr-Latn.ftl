# Köprü — srpski (latinica). Generated from sr-Cyrl.ftl by transliteration; edit sr-Cyrl.ftl and regenerate (scripts/sr-latn).
nav-home = Početna
nav-areas = Područja
nav-programmes = Programi
nav-units = Jedinice i timovi
nav-institutions = Institucije
nav-users = Korisnici
nav-audit = Dnevnik revizije
nav-logout = Odjava
home-title = Köprü — pregled

login-title = Prijava
login-submit = Prijavi se
login-failed = Korisničko ime ili lozinka nisu ispravni.
login-throttled = { $count ->
    [one] Previše neuspelih pokušaja. Pokušajte ponovo za { $n } minut.
   *[other] Previše neuspelih pokušaja. Pokušajte ponovo za { $n } minuta.
}

account-title = Moj nalog
account-roles = Uloge
account-change-password = Promena lozinke
account-password-changed = Vaša lozinka je promenjena.
account-must-change = Pre nastavka izaberite novu lozinku.
account-tokens = API tokeni
account-tokens-help = Tokeni omogućavaju drugim programima da koriste API sa vašim ovlašćenjima. Šalju se kao "Authorization: Bearer …".
account-token-created = Token je napravljen.
account-token-once = Kopirajte ovaj token sada; više neće biti prikazan:
account-token-revoked = Token je opozvan.
token-revoked = opozvan

action-save = Sačuvaj
action-search = Pretraga
action-filter = Filtriraj
action-remove = Ukloni
action-reset = Postavi
action-revoke = Opozovi
action-enable = Omogući nalog
action-disable = Onemogući nalog
action-add-role = Dodaj ulogu
action-create-token = Napravi token
action-new-programme = Novi program
action-new-unit = Nova jedinica ili tim
action-new-institution = Nova institucija
action-new-user = Novi korisnik
action-export-csv = Izvoz (CSV)

list-empty = Nema ništa za prikaz.
list-total = { $count ->
    [one] { $n } red
    [few] { $n } reda
   *[other] { $n } redova
}
pager-prev = Prethodna
pager-next = Sledeća
audit-older = Stariji unosi

areas-all-countries = Sve zemlje
area-picker-help = Upišite naziv ili šifru i izaberite sa liste.
help-one-per-line = Jedno po redu.
help-initial-password = Korisnik mora da je promeni pri prvoj prijavi.
scope-help = Obuhvat: prazno za celu instalaciju, ili country:RS, area:RS-20, unit:ŠIFRA, institution:ŠIFRA.

field-username = Korisničko ime
field-password = Lozinka
field-current-password = Trenutna lozinka
field-new-password = Nova lozinka
field-confirm-password = Ponovite novu lozinku
field-initial-password = Početna lozinka
field-display-name = Ime i prezime
field-role = Uloga
field-scope = Obuhvat
field-status = Status
field-code = Šifra
field-name = Naziv
field-kind = Vrsta
field-area = Područje
field-area-code = Područje
field-programme = Program
field-programme-code = Program
field-donor = Donator
field-period = Period
field-starts-on = Datum početka
field-ends-on = Datum završetka
field-result-areas = Oblasti rezultata
field-address = Adresa
field-phone = Telefon
field-email = E-pošta
field-contact-person = Osoba za kontakt
field-services = Usluge
field-token-name = Naziv tokena
field-prefix = Počinje sa
field-created = Napravljeno
field-last-used = Poslednja upotreba
field-time = Vreme
field-actor = Korisnik
field-action = Radnja
field-record = Zapis
field-record-type = Vrsta zapisa
field-record-id = Oznaka zapisa
field-outcome = Ishod
field-client-address = Adresa
field-details = Detalji
field-from = Od
field-to = Do

user-active = aktivan
user-disabled = onemogućen
user-reset-password = Postavi novu lozinku
user-audit-link = Unosi u dnevniku o ovom korisniku
user-done-role = Uloge su ažurirane.
user-done-password = Lozinka je postavljena; korisnik mora da je promeni pri sledećoj prijavi.
user-done-status = Status naloga je promenjen.

conflict-explain = Neko drugi je sačuvao ovaj zapis nakon što ste ga otvorili. Ništa nije prepisano. Obrazac sada prikazuje sačuvane vrednosti; tabela navodi šta se razlikuje od onoga što ste uneli. Ponovite izmene ako su i dalje potrebne.
conflict-field = Polje
conflict-yours = Vi ste uneli
conflict-saved = Sačuvano u međuvremenu

role-administrator = Administrator
role-programme-manager = Menadžer programa
role-me-officer = Službenik za praćenje i evaluaciju
role-unit-coordinator = Koordinator jedinice
role-social-mediator = Socijalni medijator
role-health-mediator = Zdravstvena medijatorka
role-pedagogical-assistant = Pedagoški asistent
role-volunteer = Volonter
role-institution-focal-point = Kontakt osoba institucije
role-auditor = Revizor

unit-kind-coordination-unit = Jedinica za koordinaciju socijalnih usluga
unit-kind-municipal-unit = Opštinska jedinica
unit-kind-mobile-team = Mobilni tim
unit-kind-community-action-group = Lokalna akciona grupa
unit-kind-institutional-working-group = Institucionalna radna grupa

institution-kind-school = Škola
institution-kind-pre-school = Predškolska ustanova
institution-kind-family-health-centre = Dom zdravlja
institution-kind-hospital = Bolnica
institution-kind-employment-agency = Služba za zapošljavanje
institution-kind-social-assistance-foundation = Fond za socijalnu pomoć
institution-kind-social-service-centre = Centar za socijalni rad
institution-kind-ngo = Udruženje građana
institution-kind-legal-aid = Pravna pomoć
institution-kind-neighbourhood-head = Mesna zajednica
institution-kind-municipality = Opština
institution-kind-civil-registry = Matična služba

service-kind-school-enrolment = Upis u školu
service-kind-pre-school-enrolment = Upis u predškolsko
service-kind-after-school-support = Podrška posle nastave
service-kind-adult-education = Obrazovanje odraslih i opismenjavanje
service-kind-family-doctor-registration = Izbor izabranog lekara
service-kind-health-care = Zdravstvena zaštita
service-kind-health-insurance = Zdravstveno osiguranje
service-kind-vocational-course = Stručna obuka
service-kind-job-placement = Zapošljavanje
service-kind-social-assistance = Socijalna pomoć
service-kind-social-services = Socijalne usluge
service-kind-civil-documents = Lična dokumenta
service-kind-legal-aid = Pravna pomoć
service-kind-housing = Stanovanje
service-kind-psychosocial-support = Psihosocijalna podrška

area-kind-country = Država
area-kind-province = Pokrajina
area-kind-district = Okrug
area-kind-autonomous-province = Autonomna pokrajina
area-kind-city = Grad
area-kind-municipality = Opština ili grad
area-kind-city-municipality = Gradska opština

problem-unauthorized = Prijavite se.
problem-forbidden = Nemate ovlašćenje za ovu radnju.
problem-not-found = Nije pronađeno ili nije u vašem području rada.
problem-conflict = Zapis je u međuvremenu promenio neko drugi.
problem-invalid = Neka polja nisu ispravna.
problem-bad-request = Zahtev nije razumljiv.
problem-too-large = Zahtev je prevelik.
problem-unsupported-media-type = Ova vrsta sadržaja nije prihvaćena.
problem-throttled = Previše pokušaja.
problem-csrf = Obrazac je istekao. Osvežite stranicu i pokušajte ponovo.
problem-internal = Došlo je do greške na našoj strani. Ništa nije sačuvano.

err-required = Ovo polje je obavezno.
err-too-long = Ovo je predugačko.
err-control-chars = Sadrži znakove koji nisu dozvoljeni.
err-username-length = Korisničko ime ima od 3 do 64 znaka.
err-username-chars = Koristite samo mala latinična slova, cifre, tačku, crticu i donju crtu.
err-password-short = Lozinka mora imati najmanje 10 znakova.
err-password-mismatch = Dve lozinke nisu iste.
err-password-wrong = Trenutna lozinka nije ispravna.
err-code-length = Šifra ima od 2 do 40 znakova.
err-code-chars = Koristite samo latinična slova, cifre, crticu, tačku i donju crtu.
err-area-code = Ovo nije šifra područja (na primer TR-06 ili RS-20-NIS).
err-area-unknown = Ne postoji područje sa ovom šifrom.
err-programme-unknown = Ne postoji program sa ovom šifrom.
err-scope = Obuhvat upišite kao country:RS, area:RS-20, unit:ŠIFRA ili institution:ŠIFRA.
err-scope-unknown = Područje, jedinica ili institucija ovog obuhvata ne postoji.
err-role = Ovo nije poznata uloga.
err-choice = Izaberite jednu od ponuđenih opcija.
err-date = Unesite datum kao GGGG-MM-DD.
err-end-before-start = Datum završetka je pre datuma početka.
err-email = Ovo nije adresa e-pošte.
err-phone = Unesite broj telefona od 6 do 20 cifara.
err-taken = Ovo se već koristi.
err-language = Ovaj jezik nije dostupan.
err-disable-self = Ne možete onemogućiti sopstveni nalog.
err-version = Obrascu nedostaje verzija; osvežite stranicu.
err-json-syntax = Telo zahteva nije ispravan JSON.
err-json-data = JSON telo nema očekivana polja ili tipove.
err-body = Telo zahteva nije moguće pročitati.
err-form = Podaci obrasca nisu mogli biti pročitani.
err-query = Parametri upita nisu mogli biti pročitani.
err-utf8 = Tekst nije ispravan UTF-8.
