//! What the accounts pages and API share: reading a new user and a role assignment.

use kopru_domain::codes::{Label, Password, Username};
use kopru_domain::policy::Assignment;
use kopru_domain::{Role, Scope, ValidationErrors};
use kopru_store::accounts::NewUser;

/// Validates the role and scope fields shared by "new user" and "add role".
pub fn parse_assignment(role: &str, scope: &str, e: &mut ValidationErrors) -> Option<Assignment> {
    let role = e.take("role", Role::parse(role));
    let scope = e.take("scope", Scope::parse(scope));
    Some(Assignment {
        role: role?,
        scope: scope?,
    })
}

/// Validates a new user's fields (page form and API alike). An administrator's
/// new user must choose their own password at first sign-in.
pub fn new_user(
    username: &str,
    display_name: &str,
    password: &str,
    role: &str,
    scope: &str,
) -> Result<NewUser, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let username = e.take("username", Username::parse(username));
    let display_name = e.take("display_name", Label::parse(display_name));
    let password = e.take("password", Password::parse(password));
    let assignment = parse_assignment(role, scope, &mut e);
    match (username, display_name, password, assignment) {
        (Some(username), Some(display_name), Some(password), Some(a)) if e.is_empty() => {
            Ok(NewUser {
                username,
                display_name,
                password,
                assignments: vec![a],
                must_change_password: true,
            })
        }
        _ => Err(e),
    }
}

/// A title for letters: blank clears it; otherwise one line of text.
pub fn job_title(raw: &str) -> Result<Option<String>, crate::service::ServiceError> {
    kopru_domain::codes::optional_label(raw)
        .map(|l| l.map(|l| l.to_string()))
        .map_err(|code| {
            crate::service::ServiceError::Invalid(ValidationErrors::single("job_title", code))
        })
}
