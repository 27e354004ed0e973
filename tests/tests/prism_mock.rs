//! Each generated client against Stoplight Prism in mock mode: Prism answers with the spec's
//! documented example, and the client must decode it into exactly that example. This proves
//! the examples, the spec and the generated client agree. `.ci/run` starts Prism and sets
//! `PWCHANGE_PRISM_MOCK_<VENDOR>`.

#![allow(clippy::unwrap_used)] // test code

use serde_json::Value;

fn mock_url(vendor: &str) -> String {
    let name = format!("PWCHANGE_PRISM_MOCK_{}", vendor.to_ascii_uppercase());
    std::env::var(&name).unwrap_or_else(|_| panic!("{name} is not set: run this through .ci/run"))
}

fn spec(vendor: &str) -> Value {
    let path = format!("{}/../specs/{vendor}.yaml", env!("CARGO_MANIFEST_DIR"));
    serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The example Prism serves for `pointer` (a media type object): its `example`, else its
/// schema's `example` (resolving a `$ref`).
fn example(spec: &Value, pointer: &str) -> Value {
    let media = spec
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no media type at {pointer}"));
    if let Some(example) = media.get("example") {
        return example.clone();
    }
    let schema = &media["schema"];
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => spec.pointer(r.trim_start_matches('#')).unwrap(),
        None => schema,
    };
    schema
        .get("example")
        .cloned()
        .unwrap_or_else(|| panic!("no example for {pointer}"))
}

/// Generated types omit empty arrays when serialising (`skip_serializing_if = "Vec::is_empty"`),
/// which is the same JSON value for a reader; drop them on both sides before comparing.
fn without_empty_arrays(mut value: Value) -> Value {
    fn walk(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.retain(|_, v| !matches!(v, Value::Array(a) if a.is_empty()));
                map.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut value);
    value
}

#[track_caller]
fn assert_decodes_to_example<T: serde::Serialize>(decoded: &T, expected: Value) {
    let decoded = serde_json::to_value(decoded).unwrap();
    assert_eq!(
        without_empty_arrays(decoded),
        without_empty_arrays(expected)
    );
}

fn token() -> pwchange_core::SecretToken {
    pwchange_core::SecretToken::new("prism-mock-token").unwrap()
}

#[tokio::test]
#[ignore = "needs Prism in mock mode; run by .ci/run"]
async fn zitadel_examples_decode() {
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

#[tokio::test]
#[ignore = "needs Prism in mock mode; run by .ci/run"]
async fn uipath_examples_decode() {
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

#[tokio::test]
#[ignore = "needs Prism in mock mode; run by .ci/run"]
async fn vcd_examples_decode() {
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

#[tokio::test]
#[ignore = "needs Prism in mock mode; run by .ci/run"]
async fn bienport_examples_decode() {
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
