//! This client against Prism's mock of its spec (`pwchange_httpmock::prism`).

use pwchange_httpmock::prism::{assert_decodes_to_example, example, mock_url, spec, token};

#[tokio::test]
#[ignore = "needs Prism in mock mode; run by .ci/run"]
async fn prism_mock_examples_decode() {
    use pwchange_google::{Client, ClientContext, types};
    let spec = spec("google");
    let base = mock_url("google");
    let admin = Client::new(&base, ClientContext::bearer(token()));
    let user = admin
        .update_user()
        .user_key("alice@example.com")
        .body(types::UserPasswordUpdate {
            password: "New-Passw0rd-2026!".parse().unwrap(),
            hash_function: None,
            change_password_at_next_login: Some(false),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_decodes_to_example(
        &serde_json::to_value(&user).unwrap(),
        example(
            &spec,
            "/paths/~1admin~1directory~1v1~1users~1{userKey}/put/responses/200/content/application~1json",
        ),
    );
    let user = admin
        .get_user()
        .user_key("alice@example.com")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_decodes_to_example(
        &serde_json::to_value(&user).unwrap(),
        example(
            &spec,
            "/paths/~1admin~1directory~1v1~1users~1{userKey}/get/responses/200/content/application~1json",
        ),
    );
}
