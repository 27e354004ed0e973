//! This client against Prism's mock of its spec (`pwchange_httpmock::prism`).

use pwchange_httpmock::prism::{assert_decodes_to_example, example, mock_url, spec, token};

#[tokio::test]
#[ignore = "needs Prism in mock mode; run by .ci/run"]
async fn prism_mock_examples_decode() {
    use pwchange_keystone::{Client, LoginScope, LoginUser, context, types};
    let spec = spec("keystone");
    let base = mock_url("keystone");
    let anonymous = Client::new(&base, context(None));
    let response = anonymous
        .change_password()
        .user_id("5c3fe506fca642dfab7fd8df0d8a8e66")
        .body(types::PasswordChangeRequest {
            user: types::PasswordChange {
                original_password: "Old-Passw0rd!".parse().unwrap(),
                password: "New-Passw0rd-2026!".parse().unwrap(),
            },
        })
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    let request = pwchange_keystone::auth_request(
        &LoginUser::Name {
            name: "admin".into(),
            domain_id: "default".into(),
        },
        "Admin-Passw0rd!".parse().unwrap(),
        &LoginScope::System,
    );
    let (token_, user) = pwchange_keystone::log_in(&anonymous, &request)
        .await
        .unwrap();
    assert_eq!(
        token_.expose_secret(),
        "gAAAAABrBDwAV4Rv_LAttAHfernet-token-example"
    );
    let expected = example(
        &spec,
        "/paths/~1v3~1auth~1tokens/post/responses/201/content/application~1json",
    );
    assert_decodes_to_example(&user, without_nulls(expected["token"]["user"].clone()));

    let admin = Client::new(&base, context(Some(token())));
    let updated = admin
        .update_user()
        .user_id("5c3fe506fca642dfab7fd8df0d8a8e66")
        .body(types::UserUpdateRequest {
            user: types::UserUpdate {
                password: "New-Passw0rd-2026!".parse().unwrap(),
                options: None,
            },
        })
        .send()
        .await
        .unwrap();
    let expected = example(
        &spec,
        "/paths/~1v3~1users~1{user_id}/patch/responses/200/content/application~1json",
    );
    assert_decodes_to_example(&updated.into_inner(), without_nulls(expected));
}

/// A `null` the generated types read as `None` and then leave out.
fn without_nulls(mut value: serde_json::Value) -> serde_json::Value {
    if let Some(map) = value.as_object_mut() {
        map.retain(|_, v| !v.is_null());
        for v in map.values_mut() {
            *v = without_nulls(v.take());
        }
    }
    value
}
