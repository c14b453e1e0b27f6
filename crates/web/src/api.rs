//! The JSON API under `/api/v1`, described by an OpenAPI 3.1 document at
//! `/api/v1/openapi.json`. Each feature's `api.rs` declares its routes with
//! their operations (`utoipa_axum::routes!`); `crate::api_router` gathers
//! them onto this document: its title, security and common error answers.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Köprü API",
        version = "1",
        description = "Registry, case management and monitoring for social-inclusion programmes. \
            Authenticate with `Authorization: Bearer <token>` (create tokens on the account page or \
            with `kopru token create`). Errors are RFC 9457 problem details.",
        license(name = "AGPL-3.0-or-later")
    ),
    components(schemas(crate::error::Problem, crate::error::ProblemField)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every operation's error answers, as the server gives them: RFC 9457
/// problem details (`application/problem+json`) for the statuses any
/// request may meet (malformed, unauthenticated, forbidden, not found or out
/// of scope, invalid), and for writes the conflict, size and media-type
/// ones. Written once here rather than on each handler; what a handler
/// declares itself is kept, its error bodies moved to the problem type.
struct ProblemResponses;

impl utoipa::Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        const PROBLEM: &str = "application/problem+json";
        let problem = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        PROBLEM,
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem")))
                            .build(),
                    )
                    .build(),
            )
        };
        let common = [
            (
                "400",
                "The request is malformed (a parameter or body that cannot be read).",
            ),
            ("401", "Not signed in: no valid bearer token or session."),
            ("403", "The caller's roles do not permit this."),
            (
                "404",
                "No such record, or it is outside the caller's scope.",
            ),
            (
                "422",
                "Invalid input: one entry per field, with a localised message.",
            ),
        ];
        let writes = [
            (
                "409",
                "The record changed since it was read; the body holds it as it is now.",
            ),
            ("413", "The body is too large."),
            (
                "415",
                "The body is not of a media type this operation reads.",
            ),
        ];
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                (&mut item.get, false),
                (&mut item.put, true),
                (&mut item.post, true),
                (&mut item.delete, true),
                (&mut item.patch, true),
            ];
            for (op, write) in ops {
                let Some(op) = op.as_mut() else { continue };
                let responses = &mut op.responses.responses;
                for (status, description) in
                    common
                        .iter()
                        .chain(if write { writes.iter() } else { [].iter() })
                {
                    responses
                        .entry((*status).to_owned())
                        .or_insert_with(|| problem(description));
                }
                // A declared error answer is problem details, whatever its body type said.
                for (status, r) in responses.iter_mut() {
                    if status.starts_with('4') || status.starts_with('5') {
                        if let RefOr::T(r) = r {
                            if let Some(c) = r.content.shift_remove("application/json") {
                                r.content.insert(PROBLEM.into(), c);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The document with every feature's operations merged in, finished: each
/// operation gets the problem answers (run after the merge, as they are per
/// operation).
pub fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::Modify;
    ProblemResponses.modify(&mut doc);
    doc
}
