//! The JSON API under `/api/v1`, described by an OpenAPI 3.1 document at
//! `/api/v1/openapi.json`. Every handler passes through the same policy and
//! store calls as the pages.

pub mod cases;
mod duplicates;
pub mod export;
mod forms;
mod handlers;
pub mod registry;

use crate::AppState;
use axum::routing::{delete, get, post, put};
use axum::Router;
use utoipa::OpenApi;

pub use handlers::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/me", get(me))
        .route("/areas", get(list_areas))
        .route("/areas/{code}", get(get_area))
        .route("/programmes", get(list_programmes).post(create_programme))
        .route("/programmes/{id}", get(get_programme).put(update_programme))
        .route("/units", get(list_units).post(create_unit))
        .route("/units/export", get(export_units))
        .route("/units/{id}", get(get_unit).put(update_unit))
        .route(
            "/institutions",
            get(list_institutions).post(create_institution),
        )
        .route("/institutions/export", get(export_institutions))
        .route(
            "/institutions/{id}",
            get(get_institution).put(update_institution),
        )
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", get(get_user))
        .route("/users/{id}/roles", post(add_role))
        .route("/users/{id}/roles/{rid}", delete(remove_role))
        .route("/users/{id}/password", post(reset_password))
        .route("/users/{id}/status", post(set_status))
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
        .route("/audit", get(list_audit))
        .route(
            "/persons",
            get(registry::list_persons).post(registry::create_person),
        )
        .route(
            "/persons/{id}",
            get(registry::get_person).put(registry::update_person),
        )
        .route("/persons/export", get(export::export_persons))
        .route(
            "/imports/persons",
            post(registry::import_persons)
                .layer(axum::extract::DefaultBodyLimit::max(registry::MAX_IMPORT)),
        )
        .route("/imports/jobs/{id}", get(registry::import_job))
        .route("/persons/{id}/history", get(registry::person_history))
        .route("/persons/{id}/special", get(registry::get_special))
        .route(
            "/persons/{id}/special/{category}",
            axum::routing::put(registry::put_special),
        )
        .route(
            "/persons/{id}/consents",
            get(registry::list_consents).post(registry::add_consent),
        )
        .route(
            "/persons/{id}/transfers",
            get(registry::person_transfers).post(registry::request_person_transfer),
        )
        .route("/person-transfers", get(registry::pending_person_transfers))
        .route(
            "/person-transfers/{id}/answer",
            post(registry::answer_person_transfer),
        )
        .route(
            "/persons/{id}/consents/{cid}/withdraw",
            post(registry::withdraw_consent),
        )
        .route(
            "/households",
            get(registry::list_households).post(registry::create_household),
        )
        .route(
            "/households/{id}",
            get(registry::get_household).put(registry::update_household),
        )
        .route(
            "/households/{id}/members",
            get(registry::list_members).post(registry::add_member),
        )
        .route(
            "/households/{id}/members/{mid}/end",
            post(registry::end_member),
        )
        .route("/households/{id}/split", post(registry::split_household))
        .route("/households/{id}/merge", post(registry::merge_household))
        .route("/duplicates", get(duplicates::list_pairs))
        .route("/duplicates/runs", post(duplicates::run))
        .route("/duplicates/{id}", get(duplicates::get_pair))
        .route("/duplicates/{id}/decision", post(duplicates::decide_pair))
        .route("/merges", post(duplicates::merge))
        .route("/merges/{id}", get(duplicates::get_merge))
        .route("/merges/{id}/unmerge", post(duplicates::unmerge))
        .route("/persons/{id}/merges", get(duplicates::person_merges))
        .route("/forms", get(forms::list_forms).post(forms::publish_form))
        .route("/forms/{id}", get(forms::get_form))
        .route("/forms/{id}/versions", get(forms::form_versions))
        .route("/cases", get(cases::list_cases).post(cases::open_case))
        .route("/cases/export", get(cases::export_cases))
        .route("/cases/{id}", get(cases::get_case).put(cases::update_case))
        .route("/cases/{id}/status", post(cases::case_status))
        .route("/cases/{id}/close", post(cases::close_case))
        .route("/cases/{id}/workers", put(cases::assign_case))
        .route("/cases/{id}/transfers", post(cases::request_transfer))
        .route("/cases/{id}/goals", post(cases::add_goal))
        .route("/cases/{id}/goals/{gid}", put(cases::update_goal))
        .route(
            "/cases/{id}/planned-services",
            post(cases::add_planned_service),
        )
        .route("/cases/{id}/contacts", post(cases::add_contact))
        .route(
            "/cases/{id}/attachments",
            post(cases::add_attachment).layer(axum::extract::DefaultBodyLimit::max(
                cases::MAX_ATTACHMENT_BODY,
            )),
        )
        .route("/cases/{id}/attachments/{aid}", get(cases::get_attachment))
        .route("/cases/{id}/services", post(cases::add_service))
        .route("/cases/{id}/follow-ups", post(cases::add_follow_up))
        .route("/cases/{id}/submissions", post(cases::submit_form))
        .route("/cases/{id}/submissions/{sid}", get(cases::get_submission))
        .route("/cases/{id}/referrals", post(cases::send_referral))
        .route("/follow-ups/{id}", put(cases::update_follow_up))
        .route("/transfers", get(cases::list_transfers))
        .route("/transfers/{id}/answer", post(cases::answer_transfer))
        .route("/referrals", get(cases::list_referrals))
        .route("/referrals/{id}", get(cases::get_referral))
        .route("/referrals/{id}/moves", post(cases::move_referral))
        .route("/response-times", get(cases::response_times))
        .route("/response-times/{kind}", put(cases::set_response_time))
        .route("/my-work", get(cases::my_work))
        .route("/dashboard", get(cases::dashboard))
}

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
    paths(
        me, list_areas, get_area,
        list_programmes, create_programme, get_programme, update_programme,
        list_units, create_unit, get_unit, update_unit, export_units,
        list_institutions, create_institution, get_institution, update_institution, export_institutions,
        list_users, create_user, get_user, add_role, remove_role, reset_password, set_status,
        list_tokens, create_token, revoke_token,
        list_audit,
        registry::list_persons, registry::create_person, export::export_persons, registry::import_persons, registry::import_job, registry::get_person, registry::update_person,
        registry::person_history, registry::get_special, registry::put_special,
        registry::list_consents, registry::add_consent, registry::withdraw_consent,
        registry::request_person_transfer, registry::person_transfers, registry::pending_person_transfers, registry::answer_person_transfer,
        registry::list_households, registry::create_household, registry::get_household, registry::update_household, registry::split_household, registry::merge_household,
        registry::list_members, registry::add_member, registry::end_member,
        duplicates::list_pairs, duplicates::run, duplicates::get_pair, duplicates::decide_pair,
        duplicates::merge, duplicates::get_merge, duplicates::unmerge, duplicates::person_merges,
        forms::list_forms, forms::get_form, forms::form_versions, forms::publish_form,
        cases::list_cases, cases::open_case, cases::export_cases, cases::get_case, cases::update_case,
        cases::case_status, cases::close_case, cases::assign_case, cases::request_transfer,
        cases::list_transfers, cases::answer_transfer, cases::add_goal, cases::update_goal,
        cases::add_planned_service, cases::add_contact, cases::add_attachment, cases::get_attachment,
        cases::add_service, cases::add_follow_up, cases::update_follow_up, cases::submit_form,
        cases::get_submission, cases::send_referral, cases::list_referrals, cases::get_referral,
        cases::move_referral, cases::response_times, cases::set_response_time, cases::my_work,
        cases::dashboard,
    ),
    components(schemas(crate::error::Problem, crate::error::ProblemField)),
    modifiers(&BearerAuth, &ProblemResponses),
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

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(openapi())
}
