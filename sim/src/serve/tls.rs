//! The server's credentials, made fresh at each start: a certificate authority, a
//! serving certificate it signs for the listen address, and a bearer token. kubectl
//! sends a token only over HTTPS, so the API is served over TLS even on loopback.

use std::net::IpAddr;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// What the server and its kubeconfig need.
pub struct Credentials {
    /// The CA's certificate (PEM), for the kubeconfig's `certificate-authority-data`.
    pub ca_pem: String,
    /// The serving certificate (DER).
    cert_der: CertificateDer<'static>,
    /// Its private key (PKCS#8 DER).
    key_der: Vec<u8>,
    /// The bearer token every request must carry.
    pub token: String,
}

/// Makes a CA and a serving certificate for `address` (plus `localhost` and
/// 127.0.0.1), and a random token.
pub fn generate(address: IpAddr) -> Result<Credentials, String> {
    let err = |e: rcgen::Error| format!("cannot make the server's certificates: {e}");
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "kubesim-ca");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca_cert = ca.self_signed(&ca_key).map_err(err)?;
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate().map_err(err)?;
    let mut server = CertificateParams::new(vec!["localhost".to_string(), "kubernetes".to_string()]).map_err(err)?;
    server.distinguished_name.push(DnType::CommonName, "kube-apiserver");
    for ip in [address, IpAddr::from([127, 0, 0, 1])] {
        if !server.subject_alt_names.contains(&SanType::IpAddress(ip)) {
            server.subject_alt_names.push(SanType::IpAddress(ip));
        }
    }
    let cert = server.signed_by(&key, &issuer).map_err(err)?;
    Ok(Credentials {
        ca_pem: ca_cert.pem(),
        cert_der: cert.der().clone(),
        key_der: key.serialize_der(),
        token: random_token()?,
    })
}

/// 32 random bytes from the OS, in hex. The token guards the server; it never reaches
/// the simulation.
fn random_token() -> Result<String, String> {
    use std::io::Read;
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("cannot read /dev/urandom for the token: {e}"))?;
    Ok(crate::engine::hash::to_hex(&bytes))
}

impl Credentials {
    /// The TLS configuration: HTTP/2 and HTTP/1.1 (kubectl prefers HTTP/2).
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, String> {
        let provider = provider();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()));
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_no_client_auth().with_single_cert(vec![self.cert_der.clone()], key))
            .map_err(|e| format!("cannot set up TLS: {e}"))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// ring's TLS algorithms. rustls marks them deprecated for lacking post-quantum key
/// exchange; kubesim takes ring anyway because it builds without cmake or nasm, and a
/// simulator on loopback with a key made at each start needs no protection against
/// recorded traffic being decrypted decades later.
#[allow(deprecated)]
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A TLS client configuration that trusts only the CA in `ca_pem` (`kubesim ctl`).
pub fn client_config(ca_pem: &str) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in pem_certificates(ca_pem)? {
        roots.add(cert).map_err(|e| format!("the kubeconfig's CA is not usable: {e}"))?;
    }
    let provider = provider();
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The DER certificates in a PEM text.
fn pem_certificates(pem: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    use base64::Engine;
    let mut certs = Vec::new();
    let mut body = None::<String>;
    for line in pem.lines().map(str::trim) {
        match (line, &mut body) {
            ("-----BEGIN CERTIFICATE-----", _) => body = Some(String::new()),
            ("-----END CERTIFICATE-----", Some(b64)) => {
                let der = base64::engine::general_purpose::STANDARD
                    .decode(b64.as_bytes())
                    .map_err(|e| format!("the CA certificate is not valid base64: {e}"))?;
                certs.push(CertificateDer::from(der));
                body = None;
            }
            (text, Some(b64)) => b64.push_str(text),
            _ => {}
        }
    }
    if certs.is_empty() {
        return Err("no certificate found in the certificate authority data".into());
    }
    Ok(certs)
}
