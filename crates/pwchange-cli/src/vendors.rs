//! `pwchange vendors`: the registry as this build has it, with each vendor's settings.

use std::fmt::Write as _;

use pwchange::{COMMON_KEYS, Settings, Vendor};

/// The list, as text or JSON.
pub fn list(json: bool) -> String {
    let enabled = Vendor::ALL
        .into_iter()
        .filter_map(|v| Some((v, pwchange::keys(v)?)));
    if json {
        let vendors: Vec<_> = enabled
            .map(|(vendor, keys)| {
                let keys: Vec<_> = COMMON_KEYS
                    .iter()
                    .chain(keys)
                    .map(|k| {
                        serde_json::json!({
                            "key": k.name,
                            "env": Settings::env_name(vendor, k.name),
                            "secret": k.secret,
                            "credential": k.credential,
                            "help": k.help,
                        })
                    })
                    .collect();
                serde_json::json!({
                    "vendor": vendor,
                    "title": vendor.title(),
                    "verification": pwchange::verification(vendor),
                    "settings": keys,
                })
            })
            .collect();
        return format!("{}\n", serde_json::Value::Array(vendors));
    }
    let mut out = String::new();
    let common: Vec<&str> = COMMON_KEYS.iter().map(|k| k.name).collect();
    let _ = writeln!(out, "Every vendor reads: {}.", common.join(", "));
    let _ = writeln!(
        out,
        "Set KEY with --setting KEY=VALUE (non-secret), PWCHANGE_<VENDOR>_<KEY> or the config file.\n"
    );
    for (vendor, keys) in enabled {
        let _ = writeln!(out, "{:<9} {}", vendor.name(), vendor.title());
        if let Some(verification) = pwchange::verification(vendor) {
            let _ = writeln!(out, "  {:<22}{verification}", "(verification)");
        }
        for key in keys {
            let secret = match (key.secret, key.credential) {
                (true, _) => " (secret)",
                (false, true) => " (credential)",
                _ => "",
            };
            let _ = writeln!(out, "  {:<22}{}{secret}", key.name, key.help);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendor_is_listed_with_its_keys() {
        let text = list(false);
        let json: serde_json::Value = serde_json::from_str(&list(true)).unwrap();
        for vendor in Vendor::ALL {
            assert!(text.contains(vendor.title()), "{text}");
            let verification = pwchange::verification(vendor).unwrap();
            assert!(text.contains(verification), "{text}");
            let entry = json
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["vendor"] == vendor.name())
                .unwrap();
            assert_eq!(entry["verification"], verification);
            let keys = entry["settings"].as_array().unwrap();
            assert!(
                keys.iter()
                    .any(|k| k["env"] == Settings::env_name(vendor, "base_url"))
            );
            assert_eq!(
                keys.len(),
                COMMON_KEYS.len() + pwchange::keys(vendor).unwrap().len()
            );
        }
    }
}
