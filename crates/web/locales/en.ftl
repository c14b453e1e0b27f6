# Köprü — English
nav-home = Home
nav-areas = Areas
nav-programmes = Programmes
nav-units = Units and teams
nav-institutions = Institutions
nav-users = Users
nav-audit = Audit log
nav-logout = Sign out
home-title = Köprü — overview

login-title = Sign in
login-submit = Sign in
login-failed = The username or password is not correct.
login-throttled = { $count ->
    [one] Too many failed attempts. Try again in { $n } minute.
   *[other] Too many failed attempts. Try again in { $n } minutes.
}

account-title = My account
account-roles = Roles
account-change-password = Change password
account-password-changed = Your password has been changed.
account-must-change = Please choose a new password before you continue.
account-tokens = API tokens
account-tokens-help = Tokens let other programs use the API with your permissions. Send them as "Authorization: Bearer …".
account-token-created = The token has been created.
account-token-once = Copy this token now; it will not be shown again:
account-token-revoked = The token has been revoked.
token-revoked = revoked

action-save = Save
action-search = Search
action-filter = Filter
action-remove = Remove
action-reset = Reset
action-revoke = Revoke
action-enable = Enable account
action-disable = Disable account
action-add-role = Add role
action-create-token = Create token
action-new-programme = New programme
action-new-unit = New unit or team
action-new-institution = New institution
action-new-user = New user
action-export-csv = Export (CSV)

list-empty = Nothing to show.
list-total = { $count ->
    [one] { $n } row
   *[other] { $n } rows
}
pager-prev = Previous
pager-next = Next
audit-older = Older entries

areas-all-countries = All countries
area-picker-help = Type a name or code and choose from the list.
help-one-per-line = One per line.
help-initial-password = The user must change it at the first sign-in.
scope-help = Scope: empty for the whole installation, or country:TR, area:TR-06, unit:CODE, institution:CODE.

field-username = Username
field-password = Password
field-current-password = Current password
field-new-password = New password
field-confirm-password = Repeat the new password
field-initial-password = Initial password
field-display-name = Name
field-role = Role
field-scope = Scope
field-status = Status
field-code = Code
field-name = Name
field-kind = Type
field-area = Area
field-area-code = Area
field-programme = Programme
field-programme-code = Programme
field-donor = Donor
field-period = Period
field-starts-on = Start date
field-ends-on = End date
field-result-areas = Result areas
field-address = Address
field-phone = Phone
field-email = E-mail
field-contact-person = Contact person
field-services = Services offered
field-token-name = Token name
field-prefix = Begins with
field-created = Created
field-last-used = Last used
field-time = Time
field-actor = User
field-action = Action
field-record = Record
field-record-type = Record type
field-record-id = Record id
field-outcome = Outcome
field-client-address = Address
field-details = Details
field-from = From
field-to = To

user-active = active
user-disabled = disabled
user-reset-password = Set a new password
user-audit-link = Audit entries about this user
user-done-role = The roles have been updated.
user-done-password = The password has been set; the user must change it at the next sign-in.
user-done-status = The account status has been changed.

conflict-explain = Someone else saved this record after you opened it. Nothing was overwritten. The form now shows the saved values; the table lists what differs from what you entered. Make your changes again if they are still needed.
conflict-field = Field
conflict-yours = You entered
conflict-saved = Saved meanwhile

role-administrator = Administrator
role-programme-manager = Programme manager
role-me-officer = M&E officer
role-unit-coordinator = Unit coordinator
role-social-mediator = Social mediator
role-health-mediator = Health mediator
role-pedagogical-assistant = Pedagogical assistant
role-volunteer = Volunteer
role-institution-focal-point = Institution focal point
role-auditor = Auditor

unit-kind-coordination-unit = Social service coordination unit
unit-kind-municipal-unit = Municipal unit
unit-kind-mobile-team = Mobile team
unit-kind-community-action-group = Community action group
unit-kind-institutional-working-group = Institutional working group

institution-kind-school = School
institution-kind-pre-school = Pre-school
institution-kind-family-health-centre = Family health centre
institution-kind-hospital = Hospital
institution-kind-employment-agency = Employment agency office
institution-kind-social-assistance-foundation = Social-assistance foundation
institution-kind-social-service-centre = Social service centre
institution-kind-ngo = NGO
institution-kind-legal-aid = Legal aid
institution-kind-neighbourhood-head = Neighbourhood head's office
institution-kind-municipality = Municipality
institution-kind-civil-registry = Civil registry office

service-kind-school-enrolment = School enrolment
service-kind-pre-school-enrolment = Pre-school enrolment
service-kind-after-school-support = After-school support
service-kind-adult-education = Adult education and literacy
service-kind-family-doctor-registration = Family doctor registration
service-kind-health-care = Health care
service-kind-health-insurance = Health insurance
service-kind-vocational-course = Vocational course
service-kind-job-placement = Job placement
service-kind-social-assistance = Social assistance
service-kind-social-services = Social services
service-kind-civil-documents = Civil documents
service-kind-legal-aid = Legal aid
service-kind-housing = Housing
service-kind-psychosocial-support = Psychosocial support

area-kind-country = Country
area-kind-province = Province
area-kind-district = District
area-kind-autonomous-province = Autonomous province
area-kind-city = City
area-kind-municipality = Municipality or city
area-kind-city-municipality = City municipality

problem-unauthorized = Please sign in.
problem-forbidden = You do not have permission to do this.
problem-not-found = Not found, or not within your area of work.
problem-conflict = The record was changed by someone else meanwhile.
problem-invalid = Some fields are not valid.
problem-bad-request = The request could not be understood.
problem-too-large = The request is too large.
problem-unsupported-media-type = This content type is not accepted.
problem-throttled = Too many attempts.
problem-csrf = The form has expired. Reload the page and try again.
problem-internal = Something went wrong on our side. Nothing was saved.

err-required = This field is required.
err-too-long = This is too long.
err-control-chars = This contains characters that are not allowed.
err-username-length = A username has 3 to 64 characters.
err-username-chars = Use only lower-case Latin letters, digits, dot, dash and underscore.
err-password-short = A password needs at least 10 characters.
err-password-mismatch = The two passwords are not the same.
err-password-wrong = The current password is not correct.
err-code-length = A code has 2 to 40 characters.
err-code-chars = Use only Latin letters, digits, dash, dot and underscore.
err-area-code = This is not an area code (for example TR-06 or RS-20-NIS).
err-area-unknown = There is no area with this code.
err-programme-unknown = There is no programme with this code.
err-scope = Write the scope as country:TR, area:TR-06, unit:CODE or institution:CODE.
err-scope-unknown = The area, unit or institution of this scope does not exist.
err-role = This is not a known role.
err-choice = Choose one of the options.
err-date = Enter a date as YYYY-MM-DD.
err-end-before-start = The end date is before the start date.
err-email = This is not an e-mail address.
err-phone = Enter a phone number with 6 to 20 digits.
err-taken = This is already in use.
err-language = This language is not available.
err-disable-self = You cannot disable your own account.
err-version = The form is missing its version; reload the page.
err-json-syntax = The body is not valid JSON.
err-json-data = The JSON body does not have the expected fields or types.
err-body = The request body could not be read.
err-form = The form data could not be read.
err-query = The query parameters could not be read.
err-utf8 = The text is not valid UTF-8.
