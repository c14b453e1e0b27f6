# Köprü — српски (ћирилица)
nav-home = Почетна
nav-areas = Подручја
nav-programmes = Програми
nav-units = Јединице и тимови
nav-institutions = Институције
nav-users = Корисници
nav-audit = Дневник ревизије
nav-logout = Одјава
home-title = Köprü — преглед

login-title = Пријава
login-submit = Пријави се
login-failed = Корисничко име или лозинка нису исправни.
login-throttled = { $count ->
    [one] Превише неуспелих покушаја. Покушајте поново за { $n } минут.
   *[other] Превише неуспелих покушаја. Покушајте поново за { $n } минута.
}

account-title = Мој налог
account-roles = Улоге
account-change-password = Промена лозинке
account-password-changed = Ваша лозинка је промењена.
account-must-change = Пре наставка изаберите нову лозинку.
account-tokens = API токени
account-tokens-help = Токени омогућавају другим програмима да користе API са вашим овлашћењима. Шаљу се као "Authorization: Bearer …".
account-token-created = Токен је направљен.
account-token-once = Копирајте овај токен сада; више неће бити приказан:
account-token-revoked = Токен је опозван.
token-revoked = опозван

action-save = Сачувај
action-search = Претрага
action-filter = Филтрирај
action-remove = Уклони
action-reset = Постави
action-revoke = Опозови
action-enable = Омогући налог
action-disable = Онемогући налог
action-add-role = Додај улогу
action-create-token = Направи токен
action-new-programme = Нови програм
action-new-unit = Нова јединица или тим
action-new-institution = Нова институција
action-new-user = Нови корисник
action-export-csv = Извоз (CSV)

list-empty = Нема ништа за приказ.
list-total = { $count ->
    [one] { $n } ред
    [few] { $n } реда
   *[other] { $n } редова
}
pager-prev = Претходна
pager-next = Следећа
audit-older = Старији уноси

areas-all-countries = Све земље
area-picker-help = Упишите назив или шифру и изаберите са листе.
help-one-per-line = Једно по реду.
help-initial-password = Корисник мора да је промени при првој пријави.
scope-help = Обухват: празно за целу инсталацију, или country:RS, area:RS-20, unit:ШИФРА, institution:ШИФРА.

field-username = Корисничко име
field-password = Лозинка
field-current-password = Тренутна лозинка
field-new-password = Нова лозинка
field-confirm-password = Поновите нову лозинку
field-initial-password = Почетна лозинка
field-display-name = Име и презиме
field-role = Улога
field-scope = Обухват
field-status = Статус
field-code = Шифра
field-name = Назив
field-kind = Врста
field-area = Подручје
field-area-code = Подручје
field-programme = Програм
field-programme-code = Програм
field-donor = Донатор
field-period = Период
field-starts-on = Датум почетка
field-ends-on = Датум завршетка
field-result-areas = Области резултата
field-address = Адреса
field-phone = Телефон
field-email = Е-пошта
field-contact-person = Особа за контакт
field-services = Услуге
field-token-name = Назив токена
field-prefix = Почиње са
field-created = Направљено
field-last-used = Последња употреба
field-time = Време
field-actor = Корисник
field-action = Радња
field-record = Запис
field-record-type = Врста записа
field-record-id = Ознака записа
field-outcome = Исход
field-client-address = Адреса
field-details = Детаљи
field-from = Од
field-to = До

user-active = активан
user-disabled = онемогућен
user-reset-password = Постави нову лозинку
user-audit-link = Уноси у дневнику о овом кориснику
user-done-role = Улоге су ажуриране.
user-done-password = Лозинка је постављена; корисник мора да је промени при следећој пријави.
user-done-status = Статус налога је промењен.

conflict-explain = Неко други је сачувао овај запис након што сте га отворили. Ништа није преписано. Образац сада приказује сачуване вредности; табела наводи шта се разликује од онога што сте унели. Поновите измене ако су и даље потребне.
conflict-field = Поље
conflict-yours = Ви сте унели
conflict-saved = Сачувано у међувремену

role-administrator = Администратор
role-programme-manager = Менаџер програма
role-me-officer = Службеник за праћење и евалуацију
role-unit-coordinator = Координатор јединице
role-social-mediator = Социјални медијатор
role-health-mediator = Здравствена медијаторка
role-pedagogical-assistant = Педагошки асистент
role-volunteer = Волонтер
role-institution-focal-point = Контакт особа институције
role-auditor = Ревизор

unit-kind-coordination-unit = Јединица за координацију социјалних услуга
unit-kind-municipal-unit = Општинска јединица
unit-kind-mobile-team = Мобилни тим
unit-kind-community-action-group = Локална акциона група
unit-kind-institutional-working-group = Институционална радна група

institution-kind-school = Школа
institution-kind-pre-school = Предшколска установа
institution-kind-family-health-centre = Дом здравља
institution-kind-hospital = Болница
institution-kind-employment-agency = Служба за запошљавање
institution-kind-social-assistance-foundation = Фонд за социјалну помоћ
institution-kind-social-service-centre = Центар за социјални рад
institution-kind-ngo = Удружење грађана
institution-kind-legal-aid = Правна помоћ
institution-kind-neighbourhood-head = Месна заједница
institution-kind-municipality = Општина
institution-kind-civil-registry = Матична служба

service-kind-school-enrolment = Упис у школу
service-kind-pre-school-enrolment = Упис у предшколско
service-kind-after-school-support = Подршка после наставе
service-kind-adult-education = Образовање одраслих и описмењавање
service-kind-family-doctor-registration = Избор изабраног лекара
service-kind-health-care = Здравствена заштита
service-kind-health-insurance = Здравствено осигурање
service-kind-vocational-course = Стручна обука
service-kind-job-placement = Запошљавање
service-kind-social-assistance = Социјална помоћ
service-kind-social-services = Социјалне услуге
service-kind-civil-documents = Лична документа
service-kind-legal-aid = Правна помоћ
service-kind-housing = Становање
service-kind-psychosocial-support = Психосоцијална подршка

area-kind-country = Држава
area-kind-province = Покрајина
area-kind-district = Округ
area-kind-autonomous-province = Аутономна покрајина
area-kind-city = Град
area-kind-municipality = Општина или град
area-kind-city-municipality = Градска општина

problem-unauthorized = Пријавите се.
problem-forbidden = Немате овлашћење за ову радњу.
problem-not-found = Није пронађено или није у вашем подручју рада.
problem-conflict = Запис је у међувремену променио неко други.
problem-invalid = Нека поља нису исправна.
problem-bad-request = Захтев није разумљив.
problem-too-large = Захтев је превелик.
problem-unsupported-media-type = Ова врста садржаја није прихваћена.
problem-throttled = Превише покушаја.
problem-csrf = Образац је истекао. Освежите страницу и покушајте поново.
problem-internal = Дошло је до грешке на нашој страни. Ништа није сачувано.

err-required = Ово поље је обавезно.
err-too-long = Ово је предугачко.
err-control-chars = Садржи знакове који нису дозвољени.
err-username-length = Корисничко име има од 3 до 64 знака.
err-username-chars = Користите само мала латинична слова, цифре, тачку, цртицу и доњу црту.
err-password-short = Лозинка мора имати најмање 10 знакова.
err-password-mismatch = Две лозинке нису исте.
err-password-wrong = Тренутна лозинка није исправна.
err-code-length = Шифра има од 2 до 40 знакова.
err-code-chars = Користите само латинична слова, цифре, цртицу, тачку и доњу црту.
err-area-code = Ово није шифра подручја (на пример TR-06 или RS-20-NIS).
err-area-unknown = Не постоји подручје са овом шифром.
err-programme-unknown = Не постоји програм са овом шифром.
err-scope = Обухват упишите као country:RS, area:RS-20, unit:ШИФРА или institution:ШИФРА.
err-scope-unknown = Подручје, јединица или институција овог обухвата не постоји.
err-role = Ово није позната улога.
err-choice = Изаберите једну од понуђених опција.
err-date = Унесите датум као ГГГГ-ММ-ДД.
err-end-before-start = Датум завршетка је пре датума почетка.
err-email = Ово није адреса е-поште.
err-phone = Унесите број телефона од 6 до 20 цифара.
err-taken = Ово се већ користи.
err-language = Овај језик није доступан.
err-disable-self = Не можете онемогућити сопствени налог.
err-version = Обрасцу недостаје верзија; освежите страницу.
err-json-syntax = Тело захтева није исправан JSON.
err-json-data = JSON тело нема очекивана поља или типове.
err-body = Тело захтева није могуће прочитати.
err-form = Подаци обрасца нису могли бити прочитани.
err-query = Параметри упита нису могли бити прочитани.
err-utf8 = Текст није исправан UTF-8.
