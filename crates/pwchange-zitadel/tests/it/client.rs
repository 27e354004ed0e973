//! The generated ZITADEL client against the generated httpmock helpers: exact requests for
//! both API versions, decoded responses and errors, and no secret in any Debug output.

use httpmock::MockServer;
use pwchange_core::canary;
use pwchange_httpmock::zitadel::MockServerExt as _;
use pwchange_zitadel::{Client, ClientContext, Error, SecretToken, types};

const USER: &str = "69629026806489455";

fn client(server: &MockServer) -> Client {
    Client::new(
        &server.base_url(),
        ClientContext::bearer(SecretToken::new(canary::TOKEN).unwrap()),
    )
}

fn status(code: i32, id: &str) -> types::RpcStatus {
    types::RpcStatus {
        code: Some(code),
        message: Some(format!("failed ({id})")),
        details: vec![types::ErrorDetail {
            type_: Some("type.googleapis.com/zitadel.v1.ErrorDetail".into()),
            id: Some(id.into()),
            message: Some("failed".into()),
        }],
    }
}

#[tokio::test]
async fn v1_set_human_password_sends_the_documented_request() {
    let server = MockServer::start_async().await;
    let mock = server.set_human_password(|when, then| {
        when.user_id(&USER.parse().unwrap())
            .x_zitadel_orgid("69629012906488334")
            .into_inner()
            .header("authorization", format!("Bearer {}", canary::TOKEN))
            .json_body(serde_json::json!({"password": canary::NEW_PASSWORD, "noChangeRequired": true}));
        then.ok(&serde_json::from_value(serde_json::json!({
            "details": {"sequence": "2", "changeDate": "2024-06-13T06:44:37.450Z", "resourceOwner": "69629023906488334"}
        }))
        .unwrap());
    });
    let client = client(&server);
    let request = client
        .set_human_password()
        .user_id(USER)
        .x_zitadel_orgid("69629012906488334")
        .body(types::SetHumanPasswordRequest {
            password: canary::NEW_PASSWORD.parse().unwrap(),
            no_change_required: true,
        });
    canary::assert_absent("request builder Debug", &format!("{request:?}"));
    let details = request.send().await.unwrap().into_inner().details.unwrap();
    assert_eq!(details.sequence.as_deref(), Some("2"));
    assert_eq!(
        details.change_date.unwrap().to_rfc3339(),
        "2024-06-13T06:44:37.450+00:00"
    );
    assert!(details.creation_date.is_none());
    mock.assert_async().await;
}

#[tokio::test]
async fn v2_set_password_sends_the_current_password() {
    let server = MockServer::start_async().await;
    let mock = server.set_password(|when, then| {
        when.user_id(&USER.parse().unwrap())
            .into_inner()
            .json_body(serde_json::json!({
                "newPassword": {"password": canary::NEW_PASSWORD, "changeRequired": false},
                "currentPassword": canary::PASSWORD,
            }));
        then.ok(&types::SetPasswordResponse {
            details: Some(types::Details {
                sequence: Some("3".into()),
                ..Default::default()
            }),
        });
    });
    let response = client(&server)
        .set_password()
        .user_id(USER)
        .body(types::SetPasswordRequest {
            new_password: types::NewPassword {
                password: canary::NEW_PASSWORD.parse().unwrap(),
                change_required: false,
            },
            current_password: Some(canary::PASSWORD.parse().unwrap()),
            verification_code: None,
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.into_inner().details.unwrap().sequence.as_deref(),
        Some("3")
    );
    mock.assert_async().await;
}

#[tokio::test]
async fn every_documented_error_decodes_into_rpc_status() {
    type Then = pwchange_httpmock::zitadel::operations::SetPasswordThen;
    type Respond = fn(Then, &types::RpcStatus) -> Then;
    let cases: [(u16, i32, &str, Respond); 6] = [
        (400, 3, "COMMA-HuJf6", Then::bad_request),
        (401, 16, "AUTH-7fs1e", Then::unauthorized),
        (403, 7, "AUTH-5mWD2", Then::forbidden),
        (404, 5, "COMMAND-uXHNj", Then::not_found),
        (409, 6, "COMMAND-k2unb", Then::conflict),
        (429, 8, "QUOTA-V3R5f", Then::too_many_requests),
    ];
    for (http, grpc, id, respond) in cases {
        let server = MockServer::start_async().await;
        server.set_password(|_, then| {
            respond(then, &status(grpc, id));
        });
        let err = client(&server)
            .set_password()
            .user_id(USER)
            .body(types::SetPasswordRequest {
                new_password: types::NewPassword {
                    password: canary::NEW_PASSWORD.parse().unwrap(),
                    change_required: false,
                },
                current_password: Some(canary::PASSWORD.parse().unwrap()),
                verification_code: None,
            })
            .send()
            .await
            .unwrap_err();
        canary::assert_absent("error Debug/Display", &format!("{err:?} {err}"));
        let Error::ErrorResponse(body) = err else {
            panic!("{http}: expected a typed error")
        };
        assert_eq!(body.status(), http);
        assert_eq!(body.code, Some(grpc));
        assert_eq!(body.details[0].id.as_deref(), Some(id));
    }
}

#[test]
fn password_limits_follow_each_api_version() {
    let seventy_three = "a".repeat(73);
    assert!(
        seventy_three
            .parse::<pwchange_zitadel::BoundedPassword<1, 72>>()
            .is_err()
    );
    let v1: Result<types::SetHumanPasswordRequest, _> =
        serde_json::from_value(serde_json::json!({"password": seventy_three}));
    assert!(v1.is_err(), "v1 accepts at most 72 characters");
    let v2: types::NewPassword =
        serde_json::from_value(serde_json::json!({"password": seventy_three})).unwrap();
    assert!(!v2.change_required, "changeRequired defaults to false");
    assert!(
        serde_json::from_value::<types::NewPassword>(serde_json::json!({"password": ""})).is_err()
    );
}

/// Issue #27: `Client::new` as this crate's README shows it obeys the transport rules: the
/// `HTTP_PROXY` family is ignored, a redirect is not followed, plain http to another host is
/// refused (a request carrying the password reaches no proxy).
#[tokio::test]
async fn client_new_obeys_the_transport_rules() {
    pwchange_httpmock::transport::assert_client_new_obeys_the_transport_rules(
        "client::client_new_obeys_the_transport_rules",
        |base| async move {
            let client = Client::new(
                &base,
                ClientContext::bearer(SecretToken::new(canary::TOKEN).unwrap()),
            );
            let _ = client
                .set_human_password()
                .user_id(USER)
                .body(types::SetHumanPasswordRequest {
                    password: canary::NEW_PASSWORD.parse().unwrap(),
                    no_change_required: true,
                })
                .send()
                .await;
        },
    )
    .await;
}
