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
                    "modes": modes(vendor),
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
        let _ = writeln!(out, "  {:<21} {}", "(modes)", modes(vendor).join(", "));
        if let Some(verification) = pwchange::verification(vendor) {
            let _ = writeln!(out, "  {:<21} {verification}", "(verification)");
        }
        for key in keys {
            let secret = match (key.secret, key.credential) {
                (true, _) => " (secret)",
                (false, true) => " (credential)",
                _ => "",
            };
            // A name as long as the column still has a space before its description.
            let _ = writeln!(out, "  {:<21} {}{secret}", key.name, key.help);
        }
    }
    out
}

/// The modes `vendor` offers, by name (`self_service`, `admin_set`, `reset_with_code`).
fn modes(vendor: Vendor) -> Vec<&'static str> {
    pwchange::capabilities(vendor)
        .map(|c| c.modes.iter().map(|m| m.name()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue #33: `password_hash_algorithmthe server's …` ran name and description together.
    #[test]
    fn every_setting_name_is_followed_by_a_space() {
        let text = list(false);
        for vendor in Vendor::ALL {
            for key in pwchange::keys(vendor).unwrap() {
                let line = text
                    .lines()
                    .find(|l| l.trim_start().starts_with(key.name) && l.contains(key.help))
                    .unwrap_or_else(|| panic!("{vendor} {}: {text}", key.name));
                assert!(line.contains(&format!("{} ", key.name)), "{vendor}: {line}");
            }
        }
        assert!(text.contains("  password_hash_algorithm "), "{text}");
    }

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
            let modes: Vec<&str> = pwchange::capabilities(vendor)
                .unwrap()
                .modes
                .iter()
                .map(|m| m.name())
                .collect();
            assert!(!modes.is_empty());
            assert_eq!(entry["modes"], serde_json::json!(modes), "{vendor}");
            let header = format!("{:<9} {}\n  (modes)", vendor.name(), vendor.title());
            let listed = text.split(&header).nth(1).unwrap_or_default();
            assert!(
                listed.trim_start().starts_with(&modes.join(", ")),
                "{vendor}: {text}"
            );
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
