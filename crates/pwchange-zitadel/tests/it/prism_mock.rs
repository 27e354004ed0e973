//! This client against Prism's mock of its spec (`pwchange_httpmock::prism`).

use pwchange_httpmock::prism::{assert_decodes_to_example, example, mock_url, spec, token};

#[tokio::test]
#[ignore = "needs Prism in mock mode; run by .ci/run"]
async fn prism_mock_examples_decode() {
    use pwchange_zitadel::{Client, ClientContext, types};
    let spec = spec("zitadel");
    let client = Client::new(&mock_url("zitadel"), ClientContext::bearer(token()));
    let v1 = client
        .set_human_password()
        .user_id("69629023906488334")
        .body(types::SetHumanPasswordRequest {
            password: "MyNewPassword1234!".parse().unwrap(),
            no_change_required: false,
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let expected = example(
        &spec,
        "/paths/~1management~1v1~1users~1{userId}~1password/post/responses/200/content/application~1json",
    );
    assert_decodes_to_example(&v1, expected);
    let v2 = client
        .set_password()
        .user_id("69629026806489455")
        .body(types::SetPasswordRequest {
            new_password: types::NewPassword {
                password: "Secr3tP4ssw0rd!".parse().unwrap(),
                change_required: false,
            },
            current_password: Some("InitialPassw0rd!".parse().unwrap()),
            verification_code: None,
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let expected = example(
        &spec,
        "/paths/~1v2~1users~1{userId}~1password/post/responses/200/content/application~1json",
    );
    assert_decodes_to_example(&v2, expected);
}
