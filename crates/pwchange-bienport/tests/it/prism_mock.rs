//! This client against Prism's mock of its spec (`pwchange_httpmock::prism`).

use pwchange_httpmock::prism::{assert_decodes_to_example, example, mock_url, spec, token};

#[tokio::test]
#[ignore = "needs Prism in mock mode; run by .ci/run"]
async fn prism_mock_examples_decode() {
    use pwchange_bienport::{Client, ClientContext, types};
    let spec = spec("bienport");
    let base = mock_url("bienport");
    let client = Client::new(&base, ClientContext::bearer(token()));
    let user = client
        .update_password()
        .organization_id("20635")
        .body(types::PasswordUpdateRequest {
            old_password: "123qweasdzx".parse().unwrap(),
            password1: "456rtyfghvb".parse().unwrap(),
            password2: "456rtyfghvb".parse().unwrap(),
            user_id: 12343123,
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let expected = example(
        &spec,
        "/paths/~1api~1user~1update-password/put/responses/200/content/application~1json",
    );
    assert_decodes_to_example(&user, expected);
    let login = Client::new(&base, ClientContext::anonymous())
        .login()
        .body(types::LoginRequest {
            screen_name: "905554447788".into(),
            password: "123qweasdzx".parse().unwrap(),
            remember_me: Some(true),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let expected = example(
        &spec,
        "/paths/~1api~1auth~1login/post/responses/200/content/application~1json",
    );
    assert_decodes_to_example(&login, expected);
}
