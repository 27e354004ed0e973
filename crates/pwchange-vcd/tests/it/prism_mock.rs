//! This client against Prism's mock of its spec (`pwchange_httpmock::prism`).

use pwchange_httpmock::prism::{assert_decodes_to_example, example, mock_url, spec, token};

#[tokio::test]
#[ignore = "needs Prism in mock mode; run by .ci/run"]
async fn prism_mock_examples_decode() {
    use pwchange_vcd::{Client, Credentials, context, types};
    let spec = spec("vcd");
    let base = mock_url("vcd");
    let client = Client::new(
        &base,
        context(Credentials::Bearer(token()), "38.0").unwrap(),
    );
    let response = client
        .change_password()
        .user_urn("urn:vcloud:user:522d756c-ad00-3b4f-ae6a-6d241437b471")
        .body(types::PasswordChangeRequest {
            current_password: "Old-Passw0rd!".parse().unwrap(),
            new_password: "New-Passw0rd-2026!".parse().unwrap(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let basic = Credentials::Basic {
        username: "alice@acme".into(),
        password: "Old-Passw0rd!".to_owned().into(),
    };
    let login = Client::new(&base, context(basic, "38.0").unwrap())
        .login()
        .send()
        .await
        .unwrap();
    let token = pwchange_vcd::access_token(&login).unwrap();
    assert_eq!(
        token.expose_secret(),
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbmlzdHJhdG9yIn0.c2lnbmF0dXJl"
    );
    let expected = example(
        &spec,
        "/components/responses/SessionCreated/content/application~1json",
    );
    assert_decodes_to_example(&login.into_inner(), expected);
}
