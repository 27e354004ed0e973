//! TLS for every vendor: rustls with the ring provider, the platform's roots (through
//! rustls-platform-verifier) plus any CA the configuration adds, an optional client
//! certificate, and errors that say which part of a handshake failed.
//!
//! Files are read here and only here; an error names the file and what is wrong with it, never
//! its content (a key file is a secret, and a PEM parser's error may quote a line).

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::{Error, ErrorKind};

/// Makes ring rustls's process-wide default provider when no default is installed yet.
///
/// The facade configures TLS itself and needs no default; a generated client's own
/// `Client::new` builds a plain reqwest client, which requires one (this workspace builds
/// reqwest without a built-in provider). Every [`ClientContext`](crate::ClientContext)
/// constructor calls this, and a context is an argument of every `Client::new`, so the
/// default exists before any generated client is built. An application that installs its own
/// provider first keeps it.
pub fn ensure_default_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Losing a race with another installer is fine: a default then exists.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
    });
}

/// A client certificate chain and its private key (for mutual TLS).
pub(crate) struct ClientIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

/// The certificates of the PEM file at `path` (one CA or a bundle).
pub(crate) fn read_certificates(
    path: &Path,
    what: &str,
) -> Result<Vec<CertificateDer<'static>>, Error> {
    let bytes = read(path, what)?;
    let certificates: Vec<_> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|_| bad_file(path, what, "is not valid PEM"))?;
    if certificates.is_empty() {
        return Err(bad_file(
            path,
            what,
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        ));
    }
    Ok(certificates)
}

/// The client certificate chain at `certificate` and its key at `key` (PEM; PKCS#8, PKCS#1 or
/// SEC1).
pub(crate) fn read_client_identity(
    certificate: &Path,
    key: &Path,
) -> Result<ClientIdentity, Error> {
    let chain = read_certificates(certificate, "client certificate file")?;
    let what = "client key file";
    let bytes = zeroize::Zeroizing::new(read(key, what)?);
    crate::files::refuse_if_others_can_read(key, "the client key file")?;
    let key = PrivateKeyDer::from_pem_slice(&bytes)
        .map_err(|_| bad_file(key, what, "holds no PEM private key"))?;
    Ok(ClientIdentity { chain, key })
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| {
        Error::invalid_input(format!(
            "cannot read the {what} {}: {}",
            path.display(),
            e.kind()
        ))
    })
}

fn bad_file(path: &Path, what: &str, problem: &str) -> Error {
    Error::invalid_input(format!("the {what} {} {problem}", path.display()))
}

/// The rustls configuration: the platform's roots plus `extra_roots`, and the client identity.
pub(crate) fn client_config(
    extra_roots: &[CertificateDer<'static>],
    identity: Option<&ClientIdentity>,
) -> Result<rustls::ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let setup = |e: rustls::Error| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("cannot set up TLS: {}", describe(&e)),
        )
    };
    let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(
        extra_roots.iter().cloned(),
        provider.clone(),
    )
    .map_err(setup)?;
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(setup)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    match identity {
        None => Ok(builder.with_no_client_auth()),
        Some(identity) => builder
            .with_client_auth_cert(identity.chain.clone(), identity.key.clone_key())
            .map_err(setup),
    }
}

/// The TLS error somewhere in `error`'s source chain (through `io::Error`s, whose `source()`
/// skips the error they wrap).
pub(crate) fn tls_error<'e>(
    error: &'e (dyn std::error::Error + 'static),
) -> Option<&'e rustls::Error> {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(io) = error.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
        {
            // The wrapped error itself (it may be another `io::Error`), not its source.
            next = Some(inner);
            continue;
        }
        next = error.source();
    }
    None
}

/// What a TLS error means to an operator, with what to do about it.
pub(crate) fn describe(error: &rustls::Error) -> &'static str {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => {
            "the vendor's certificate is not trusted: add the CA that issued it with the ca_file setting (--ca-cert)"
        }
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            "the vendor's certificate has expired"
        }
        rustls::Error::InvalidCertificate(C::NotValidYet | C::NotValidYetContext { .. }) => {
            "the vendor's certificate is not valid yet (check this machine's clock)"
        }
        rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        ) => "the vendor's certificate is not valid for the base URL's host name",
        rustls::Error::InvalidCertificate(C::Revoked) => "the vendor's certificate is revoked",
        rustls::Error::InvalidCertificate(_) => "the vendor's certificate was refused",
        rustls::Error::AlertReceived(_) => {
            "the vendor refused the TLS handshake (a client certificate may be required or refused)"
        }
        rustls::Error::NoCertificatesPresented => "the vendor presented no certificate",
        rustls::Error::PeerIncompatible(_) => {
            "the vendor offers no TLS version or cipher this client accepts"
        }
        _ => "the TLS handshake failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tls_error_is_found_inside_io_errors() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        // As hyper-util reports it: an io::Error around an io::Error around the TLS error.
        let io = std::io::Error::other(std::io::Error::new(std::io::ErrorKind::InvalidData, tls));
        let found = tls_error(&io).expect("found");
        assert!(describe(found).contains("not trusted"));
        assert!(describe(found).contains("--ca-cert"));
        let plain = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(tls_error(&plain).is_none());
    }

    #[test]
    fn every_tls_failure_is_described_for_an_operator() {
        use rustls::CertificateError as C;
        let cases = [
            (
                rustls::Error::InvalidCertificate(C::UnknownIssuer),
                "not trusted",
            ),
            (rustls::Error::InvalidCertificate(C::Expired), "has expired"),
            (
                rustls::Error::InvalidCertificate(C::NotValidYet),
                "not valid yet",
            ),
            (
                rustls::Error::InvalidCertificate(C::NotValidForName),
                "host name",
            ),
            (rustls::Error::InvalidCertificate(C::Revoked), "revoked"),
            (
                rustls::Error::InvalidCertificate(C::BadEncoding),
                "certificate was refused",
            ),
            (
                rustls::Error::AlertReceived(rustls::AlertDescription::CertificateRequired),
                "client certificate",
            ),
            (
                rustls::Error::NoCertificatesPresented,
                "presented no certificate",
            ),
            (
                rustls::Error::PeerIncompatible(rustls::PeerIncompatible::NoCipherSuitesInCommon),
                "no TLS version or cipher",
            ),
            (rustls::Error::DecryptError, "the TLS handshake failed"),
        ];
        for (error, expected) in cases {
            assert!(describe(&error).contains(expected), "{error:?}");
        }
    }

    #[test]
    fn a_default_provider_exists_after_ensure() {
        ensure_default_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }

    #[test]
    fn file_errors_name_the_file_and_never_its_content() {
        let dir = std::env::temp_dir().join(format!("pwchange-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ca.pem");
        std::fs::write(&path, "-----BEGIN CERTIFICATE-----\nsecret-looking-line\n").unwrap();
        let err = read_certificates(&path, "CA file").unwrap_err().to_string();
        assert!(err.contains("ca.pem"), "{err}");
        assert!(!err.contains("secret-looking-line"), "{err}");
        std::fs::write(&path, "no pem here").unwrap();
        let err = read_certificates(&path, "CA file").unwrap_err().to_string();
        assert!(err.contains("holds no PEM certificate"), "{err}");
        let key = dir.join("key.pem");
        std::fs::write(&key, "-----BEGIN PRIVATE KEY-----\nAAAA-secret\n").unwrap();
        assert!(read_client_identity(&path, &key).is_err());
        let err = read_certificates(&dir.join("missing.pem"), "CA file")
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot read the CA file"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
