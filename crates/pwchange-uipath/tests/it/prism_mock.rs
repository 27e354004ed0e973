//! This client against Prism's mock of its spec (`pwchange_httpmock::prism`).

use pwchange_httpmock::prism::{assert_decodes_to_example, example, mock_url, spec, token};

#[tokio::test]
#[ignore = "needs Prism in mock mode; run by .ci/run"]
async fn prism_mock_examples_decode() {
    use pwchange_uipath::{Client, ClientContext, types};
    let spec = spec("uipath");
    let base = mock_url("uipath");
    let client = Client::new(&base, ClientContext::bearer(token()));
    let result = client
        .change_user_password()
        .user_id(uuid::Uuid::parse_str("3fa85f64-5717-4562-b3fc-2c963f66afa6").unwrap())
        .body(types::ChangeUserPasswordCommand {
            old_password: Some("al0h0m0ra-account".parse().unwrap()),
            new_password: Some("patr0nu5".parse().unwrap()),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let expected = example(
        &spec,
        "/paths/~1api~1User~1{userId}~1changepassword/post/responses/200/content/application~1json",
    );
    assert_decodes_to_example(&result, expected);
    let anonymous = Client::new(&base, ClientContext::anonymous());
    let token = anonymous
        .create_token()
        .body(types::TokenRequest {
            grant_type: "client_credentials".into(),
            client_id: "8d1c7c5f-0a7e-4f4a-9d0c-1f2e3d4c5b6a".into(),
            client_secret: pwchange_core::SecretToken::new("s3cr3t-Value").unwrap(),
            scope: Some("PM.User PM.User.Write".into()),
            username: None,
            password: None,
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let expected = example(
        &spec,
        "/paths/~1connect~1token/post/responses/200/content/application~1json",
    );
    assert_decodes_to_example(&token, expected);
}
