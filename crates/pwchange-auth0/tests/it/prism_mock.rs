//! This client against Prism's mock of its spec (`pwchange_httpmock::prism`).

use pwchange_httpmock::prism::{assert_decodes_to_example, example, mock_url, spec, token};

#[tokio::test]
#[ignore = "needs Prism in mock mode; run by .ci/run"]
async fn prism_mock_examples_decode() {
    use pwchange_auth0::{Client, ClientContext, Grant, SecretToken, types};
    let spec = spec("auth0");
    let base = mock_url("auth0");
    let admin = Client::new(&base, ClientContext::bearer(token()));
    let user = admin
        .update_user()
        .id("auth0|63d17c4ba030f2d4279f2c54")
        .body(types::UpdateUserPassword {
            password: "New-Passw0rd-2026!".parse().unwrap(),
            connection: "Username-Password-Authentication".parse().unwrap(),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_decodes_to_example(
        &serde_json::to_value(&user).unwrap(),
        example(
            &spec,
            "/paths/~1api~1v2~1users~1{id}/patch/responses/200/content/application~1json",
        ),
    );
    let connections = admin
        .get_connections()
        .strategy("auth0")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_decodes_to_example(
        &serde_json::to_value(&connections).unwrap(),
        example(
            &spec,
            "/paths/~1api~1v2~1connections/get/responses/200/content/application~1json",
        ),
    );
    let anonymous = Client::new(&base, ClientContext::anonymous());
    let secret = SecretToken::new("sim-client-secret").unwrap();
    let grant = Grant::ClientCredentials {
        client_id: "8HF2pQvWnGQlx2mBqH9kKdL0cM1xT3yZ",
        client_secret: &secret,
        audience: "https://example.auth0.com/api/v2/",
    };
    let tokens = anonymous
        .token()
        .body(grant.body().unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(tokens.access_token.expose_secret().starts_with("eyJ"));
    assert_eq!(tokens.expires_in, Some(86400));
}
