//! This client against Prism's mock of its spec (`pwchange_httpmock::prism`).

use pwchange_httpmock::prism::{assert_decodes_to_example, example, mock_url, spec, token};

#[tokio::test]
#[ignore = "needs Prism in mock mode; run by .ci/run"]
async fn prism_mock_examples_decode() {
    use pwchange_keycloak::{ADMIN_CLI, Client, ClientContext, Grant, UnboundedPassword, types};
    let spec = spec("keycloak");
    let base = mock_url("keycloak");
    let admin = Client::new(&base, ClientContext::bearer(token()));
    let reset = admin
        .reset_password()
        .realm("acme")
        .user_id("8f14e45f-ceea-467f-a0e6-2b1f5b2c9a11")
        .body(types::CredentialRepresentation {
            type_: types::CredentialRepresentationType::Password,
            value: "New-Passw0rd-2026!".parse().unwrap(),
            temporary: Some(false),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);

    let user = admin
        .get_user()
        .realm("acme")
        .user_id("8f14e45f-ceea-467f-a0e6-2b1f5b2c9a11")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_decodes_to_example(
        &serde_json::to_value(&user).unwrap(),
        example(
            &spec,
            "/paths/~1admin~1realms~1{realm}~1users~1{user-id}/get/responses/200/content/application~1json",
        ),
    );
    let realm = admin
        .get_realm()
        .realm("acme")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_decodes_to_example(
        &serde_json::to_value(&realm).unwrap(),
        example(
            &spec,
            "/paths/~1admin~1realms~1{realm}/get/responses/200/content/application~1json",
        ),
    );

    let anonymous = Client::new(&base, ClientContext::anonymous());
    let password = UnboundedPassword::any("New-Passw0rd-2026!");
    let grant = Grant::Password {
        client_id: ADMIN_CLI,
        client_secret: None,
        username: "alice",
        password: &password,
    };
    let tokens = anonymous
        .token()
        .realm("acme")
        .body(grant.form().unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(tokens.access_token.expose_secret().starts_with("eyJ"));
    assert_eq!(tokens.expires_in, Some(300));
}
