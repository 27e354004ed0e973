//! The generated OpenBao client against the generated httpmock helpers: exact requests (the
//! token in `X-Vault-Token`, never in `Authorization`; the namespace header), decoded answers and
//! errors, and no secret in any Debug output.

use httpmock::MockServer;
use pwchange_core::canary;
use pwchange_httpmock::openbao::MockServerExt as _;
use pwchange_openbao::{Client, Error, SecretToken, context, texts, types};
use serde_json::json;

fn token() -> SecretToken {
    SecretToken::new(canary::TOKEN).unwrap()
}

#[tokio::test]
async fn a_password_update_carries_the_token_the_namespace_and_only_the_password() {
    let server = MockServer::start_async().await;
    let body = types::PasswordRequest {
        password: canary::NEW_PASSWORD.parse().unwrap(),
    };
    let mock = server.set_password(|when, then| {
        when.mount(&"userpass".parse().unwrap())
            .username(&"alice".parse().unwrap())
            .into_inner()
            .header("x-vault-token", canary::TOKEN)
            .header("x-vault-namespace", "team-a/")
            .header_missing("authorization")
            .json_body(json!({ "password": canary::NEW_PASSWORD }));
        then.no_content();
    });
    let client = Client::new(
        &server.base_url(),
        context(Some(token()), Some("team-a/")).unwrap(),
    );
    canary::assert_absent("client Debug", &format!("{client:?}"));
    let request = client
        .set_password()
        .mount("userpass")
        .username("alice")
        .body(body);
    canary::assert_absent("request builder Debug", &format!("{request:?}"));
    assert_eq!(request.send().await.unwrap().status(), 204);
    mock.assert_async().await;
}

#[tokio::test]
async fn a_login_sends_no_token_and_reads_a_token_that_never_prints() {
    let server = MockServer::start_async().await;
    let mock = server.login(|when, then| {
        when.mount(&"userpass".parse().unwrap())
            .username(&"alice".parse().unwrap())
            .into_inner()
            .header_missing("x-vault-token")
            .header_missing("x-vault-namespace")
            .json_body(json!({ "password": canary::PASSWORD }));
        then.into_inner().status(200).json_body(json!({
            "request_id": "8d802786-bc0d-7ba8-9082-eb0458023c2a",
            "auth": {"client_token": canary::TOKEN, "accessor": "apCiwBocsn7eLerEVQsiZc85",
                     "policies": ["default"], "metadata": {"username": "alice"},
                     "lease_duration": 2_764_800, "mfa_requirement": null},
            "warnings": null, "data": null
        }));
    });
    let client = Client::new(&server.base_url(), context(None, None).unwrap());
    let answer = client
        .login()
        .mount("userpass")
        .username("alice")
        .body(types::LoginRequest {
            password: canary::PASSWORD.parse().unwrap(),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    canary::assert_absent("login answer Debug", &format!("{answer:?}"));
    assert_eq!(answer.auth.client_token.expose_secret(), canary::TOKEN);
    let name = answer.auth.metadata.and_then(|m| m.username);
    assert_eq!(name.as_deref(), Some("alice"));
    mock.assert_async().await;
}

#[tokio::test]
async fn revoke_self_sends_the_token_it_revokes() {
    let server = MockServer::start_async().await;
    let mock = server.revoke_self(|when, then| {
        when.into_inner().header("x-vault-token", canary::TOKEN);
        then.no_content();
    });
    let client = Client::new(&server.base_url(), context(Some(token()), None).unwrap());
    assert_eq!(client.revoke_self().send().await.unwrap().status(), 204);
    mock.assert_async().await;
}

#[tokio::test]
async fn an_error_body_decodes_with_its_texts() {
    let server = MockServer::start_async().await;
    let refused = types::Error {
        errors: vec![format!(
            "1 error occurred:\n\t* {}\n\n",
            texts::PERMISSION_DENIED
        )],
    };
    server.set_password(|_, then| {
        then.forbidden(&refused);
    });
    server.login(|_, then| {
        then.bad_request(&types::Error {
            errors: vec![texts::INVALID_CREDENTIALS.into()],
        });
    });
    let client = Client::new(&server.base_url(), context(Some(token()), None).unwrap());
    let set = client
        .set_password()
        .mount("userpass")
        .username("alice")
        .body(types::PasswordRequest {
            password: canary::NEW_PASSWORD.parse().unwrap(),
        })
        .send()
        .await;
    match set {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status(), 403);
            assert!(answer.errors[0].contains(texts::PERMISSION_DENIED));
        }
        other => panic!("expected the 403 body, got {other:?}"),
    }
    let login = client
        .login()
        .mount("userpass")
        .username("alice")
        .body(types::LoginRequest {
            password: canary::PASSWORD.parse().unwrap(),
        })
        .send()
        .await;
    match login {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status(), 400);
            assert_eq!(answer.errors, [texts::INVALID_CREDENTIALS]);
        }
        other => panic!("expected the 400 body, got {other:?}"),
    }
}

#[test]
fn a_namespace_that_is_no_header_value_is_refused() {
    assert!(context(None, Some("team\na")).is_err());
    assert!(context(None, Some("team-a/sub")).is_ok());
}

#[test]
fn user_names_and_mounts_take_the_servers_forms_only() {
    for good in ["alice", "a", "svc.backup@corp", "a-b_c"] {
        good.parse::<types::Username>().unwrap();
    }
    for bad in ["", "-alice", "alice.", "a b", "a/b", "../x"] {
        assert!(bad.parse::<types::Username>().is_err(), "{bad:?}");
    }
    "userpass-corp".parse::<types::Mount>().unwrap();
    assert!("team/userpass".parse::<types::Mount>().is_err());
}
