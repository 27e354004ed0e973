//! This client against Prism's mock of its spec (`pwchange_httpmock::prism`).

use pwchange_httpmock::prism::{assert_decodes_to_example, example, mock_url, spec, token};

#[tokio::test]
#[ignore = "needs Prism in mock mode; run by .ci/run"]
async fn prism_mock_examples_decode() {
    use pwchange_entra::{Client, ClientContext, Grant, types};
    let spec = spec("entra");
    let base = mock_url("entra");
    let admin = Client::new(&base, ClientContext::bearer(token()));
    let reset = admin
        .update_user()
        .user_id("87d349ed-44d7-43e1-9a83-5f2406dee5bd")
        .body(types::UpdateUserRequest {
            password_profile: types::PasswordProfile {
                password: "New-Passw0rd-2026!".parse().unwrap(),
                force_change_password_next_sign_in: Some(false),
            },
        })
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    let user = admin
        .get_user()
        .user_id("87d349ed-44d7-43e1-9a83-5f2406dee5bd")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_decodes_to_example(
        &serde_json::to_value(&user).unwrap(),
        example(
            &spec,
            "/paths/~1v1.0~1users~1{user-id}/get/responses/200/content/application~1json",
        ),
    );
    // Prism serves the token endpoint at the same base (the authority is another host in
    // production).
    let anonymous = Client::new(&base, ClientContext::anonymous());
    let secret = token();
    let answer = anonymous
        .token()
        .tenant("contoso.onmicrosoft.com")
        .body(
            Grant::ClientCredentials {
                client_id: "6731de76-14a6-49ae-97bc-6eba6914391e",
                client_secret: &secret,
            }
            .form()
            .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(answer.access_token.expose_secret().starts_with("eyJ"));
}
