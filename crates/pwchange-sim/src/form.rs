//! Form bodies (`application/x-www-form-urlencoded`) as the JSON object their OpenAPI schema
//! describes: for the contract check and the vendors whose requests are forms.

use serde_json::Value;

/// A form body as a JSON object of strings (what the OpenAPI form schema describes).
pub(crate) fn to_json(body: &[u8]) -> Value {
    let text = String::from_utf8_lossy(body);
    let map = text
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), Value::String(decode(v)))
        })
        .collect();
    Value::Object(map)
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A form body's fields with a single string value each (what a token endpoint reads).
pub(crate) fn pairs(body: &[u8]) -> std::collections::HashMap<String, String> {
    match to_json(body) {
        Value::Object(map) => map
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_owned())))
            .collect(),
        _ => std::collections::HashMap::new(),
    }
}
