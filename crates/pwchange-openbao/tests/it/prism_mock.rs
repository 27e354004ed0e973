//! This client against Prism's mock of its spec (`pwchange_httpmock::prism`).

use pwchange_httpmock::prism::{assert_decodes_to_example, example, mock_url, spec, token};

#[tokio::test]
#[ignore = "needs Prism in mock mode; run by .ci/run"]
async fn prism_mock_examples_decode() {
    use pwchange_openbao::{Client, context, types};
    let spec = spec("openbao");
    let base = mock_url("openbao");
    let admin = Client::new(&base, context(Some(token()), None).unwrap());
    let set = admin
        .set_password()
        .mount("userpass")
        .username("alice")
        .body(types::PasswordRequest {
            password: "New-Passw0rd-2026!".parse().unwrap(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 204);

    let anonymous = Client::new(&base, context(None, None).unwrap());
    let login = anonymous
        .login()
        .mount("userpass")
        .username("alice")
        .body(types::LoginRequest {
            password: "Initial-Passw0rd".parse().unwrap(),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        login.auth.client_token.expose_secret(),
        "s.RqbOwn3zBBuCbGIVDRbJvki9"
    );
    let expected = example(
        &spec,
        "/paths/~1v1~1auth~1{mount}~1login~1{username}/post/responses/200/content/application~1json",
    );
    let mut auth = expected["auth"].clone();
    // Only the modelled fields are decoded; the token is checked above (it never serializes).
    let modelled = ["accessor", "policies", "metadata"];
    auth.as_object_mut()
        .unwrap()
        .retain(|k, _| modelled.contains(&k.as_str()));
    let decoded = serde_json::json!({
        "accessor": login.auth.accessor,
        "policies": login.auth.policies,
        "metadata": {"username": login.auth.metadata.and_then(|m| m.username)},
    });
    assert_decodes_to_example(&decoded, auth);

    let revoked = admin.revoke_self().send().await.unwrap();
    assert_eq!(revoked.status(), 204);
}
