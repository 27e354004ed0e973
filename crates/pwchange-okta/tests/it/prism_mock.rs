//! This client against Prism's mock of its spec (`pwchange_httpmock::prism`).

use pwchange_httpmock::prism::{assert_decodes_to_example, example, mock_url, spec, token};

#[tokio::test]
#[ignore = "needs Prism in mock mode; run by .ci/run"]
async fn prism_mock_examples_decode() {
    use pwchange_okta::{AuthorizationMode, Client, ClientContext, context, types};
    let spec = spec("okta");
    let base = mock_url("okta");
    let admin = Client::new(&base, context(AuthorizationMode::Ssws, token()));
    let user = admin
        .update_user()
        .id("00ub0oNGTSWTBKOLGLNR")
        .body(types::UpdateUserRequest {
            credentials: types::PasswordOnlyCredentials {
                password: types::NewPasswordCredential {
                    value: "New-Passw0rd-2026!".parse().unwrap(),
                },
            },
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_decodes_to_example(
        &serde_json::to_value(&user).unwrap(),
        example(
            &spec,
            "/paths/~1api~1v1~1users~1{id}/post/responses/200/content/application~1json",
        ),
    );
    let policies = admin
        .list_password_policies()
        .type_(types::ListPasswordPoliciesType::Password)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_decodes_to_example(
        &serde_json::to_value(&policies).unwrap(),
        example(
            &spec,
            "/paths/~1api~1v1~1policies/get/responses/200/content/application~1json",
        ),
    );
    let anonymous = Client::new(&base, ClientContext::anonymous());
    let authn = anonymous
        .authenticate()
        .body(types::AuthnRequest {
            username: "alice@example.com".parse().unwrap(),
            password: "New-Passw0rd-2026!".parse().unwrap(),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(authn.status, "SUCCESS");
    assert!(authn.session_token.is_some());
}
