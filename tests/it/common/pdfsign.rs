//! A test signer standing in for BSrE eSign: a CA and signer certificates made with the
//! `openssl` CLI, and a PDF signed by an incremental update (signature field, /ByteRange,
//! detached CMS from `openssl cms -sign` written into the /Contents placeholder).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use lopdf::{Dictionary, Document, Object, ObjectId, Writer};

/// Room reserved for the CMS, in bytes (twice that in hex digits).
const CONTENTS_BYTES: usize = 8192;
/// Width of each /ByteRange number in the placeholder.
const RANGE_WIDTH: usize = 10;

/// `openssl ca` keeps its serial and index in files, which parallel tests would race on.
static CA_DATABASE: Mutex<()> = Mutex::new(());

fn openssl(dir: &Path, args: &[&str]) {
    let _database = (args.first() == Some(&"ca"))
        .then(|| CA_DATABASE.lock().unwrap_or_else(|e| e.into_inner()));
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl CLI (scripts/setup installs it)");
    assert!(
        out.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A certificate authority in its own folder, with an `openssl ca` database so it can issue
/// certificates with any validity period.
pub struct TestCa {
    dir: PathBuf,
    signer: Signer,
}

/// A key and the certificate a [`TestCa`] issued for it.
pub struct Signer {
    dir: PathBuf,
    name: String,
    cert: PathBuf,
    key: PathBuf,
    /// The issuing CA and its own issuers, put into the CMS as BSrE eSign does.
    chain: PathBuf,
    /// `openssl cms -keyopt` options (the padding).
    keyopts: Vec<&'static str>,
}

/// When a signer certificate is valid.
pub enum Validity {
    /// From now for a year.
    Current,
    /// A period in the past, `YYYYMMDDHHMMSSZ` each.
    Between(&'static str, &'static str),
}

/// The signer's key type.
#[derive(Clone, Copy)]
pub enum Key {
    Rsa,
    P256,
    P384,
}

impl Key {
    fn args(self) -> &'static [&'static str] {
        match self {
            Key::Rsa => &["-newkey", "rsa:2048"],
            Key::P256 => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            Key::P384 => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
        }
    }
}

fn ca_dir(dir: &Path, name: &str) -> PathBuf {
    let dir = dir.join(name.replace(' ', "_"));
    std::fs::create_dir_all(dir.join("issued")).unwrap();
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("serial"), "1000\n").unwrap();
    std::fs::write(dir.join("ca.cnf"), CA_CONFIG).unwrap();
    dir
}

fn subject(organisation: &str, name: &str) -> String {
    format!("/C=ID/O={organisation}/CN={name}")
}

impl TestCa {
    /// A self-signed root CA named `name` in `dir/<name>` and a current RSA signer
    /// certificate for `signer_name`.
    pub fn new(dir: &Path, name: &str, signer_name: &str) -> TestCa {
        let dir = ca_dir(dir, name);
        openssl(
            &dir,
            &[
                "req",
                "-x509",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-sha256",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "3650",
                "-utf8",
                "-subj",
                &subject("Uji Sertel", name),
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        std::fs::copy(dir.join("ca.pem"), dir.join("chain.pem")).unwrap();
        let signer = default_signer(&dir, signer_name);
        TestCa { dir, signer }
    }

    /// A CA issued by this one (an intermediate), with its own current RSA signer.
    pub fn intermediate(&self, name: &str, signer_name: &str) -> TestCa {
        let dir = ca_dir(self.dir.parent().unwrap(), name);
        openssl(
            &dir,
            &[
                "req",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.csr",
                "-utf8",
                "-subj",
                &subject("Uji Sertel", name),
            ],
        );
        let (csr, cert) = (dir.join("ca.csr"), dir.join("ca.pem"));
        openssl(
            &self.dir,
            &[
                "ca",
                "-batch",
                "-config",
                "ca.cnf",
                "-notext",
                "-utf8",
                "-extensions",
                "ca_ext",
                "-days",
                "1825",
                "-in",
                csr.to_str().unwrap(),
                "-out",
                cert.to_str().unwrap(),
            ],
        );
        let mut chain = std::fs::read(&cert).unwrap();
        chain.extend(std::fs::read(self.dir.join("chain.pem")).unwrap());
        std::fs::write(dir.join("chain.pem"), chain).unwrap();
        let signer = default_signer(&dir, signer_name);
        TestCa { dir, signer }
    }

    pub fn cert_path(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// Another signer certificate from this CA, e.g. one that has expired or an EC key.
    pub fn issue(&self, label: &str, signer_name: &str, validity: Validity, key: Key) -> Signer {
        issue(
            &self.dir,
            label,
            signer_name,
            &validity,
            key,
            "signer_ext",
            &[],
        )
    }

    /// A certificate the CA signs with RSASSA-PSS (salt 32), whose holder signs with PSS too
    /// (salt 20, not the digest's length, as some signers write it).
    pub fn issue_pss(&self, label: &str, signer_name: &str) -> Signer {
        let pss = [
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:32",
        ];
        let mut signer = issue(
            &self.dir,
            label,
            signer_name,
            &Validity::Current,
            Key::Rsa,
            "signer_ext",
            &pss,
        );
        signer.keyopts = vec![
            "-keyopt",
            "rsa_padding_mode:pss",
            "-keyopt",
            "rsa_pss_saltlen:20",
        ];
        signer
    }

    /// A current RSA certificate whose key usage allows encryption only, never signing.
    pub fn issue_for_encryption(&self, label: &str, signer_name: &str) -> Signer {
        issue(
            &self.dir,
            label,
            signer_name,
            &Validity::Current,
            Key::Rsa,
            "encipher_ext",
            &[],
        )
    }

    /// `pdf` signed by the CA's default signer.
    pub fn sign(&self, pdf: &[u8]) -> Vec<u8> {
        self.signer.sign(pdf)
    }
}

const CA_CONFIG: &str = "\
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = ./index.txt
new_certs_dir = ./issued
serial = ./serial
certificate = ./ca.pem
private_key = ./ca.key
default_md = sha256
policy = any_name
unique_subject = no
x509_extensions = signer_ext
[ any_name ]
countryName = optional
organizationName = optional
commonName = supplied
[ signer_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ encipher_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ ca_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

/// A CA's own current RSA signer.
fn default_signer(dir: &Path, signer_name: &str) -> Signer {
    issue(
        dir,
        "signer",
        signer_name,
        &Validity::Current,
        Key::Rsa,
        "signer_ext",
        &[],
    )
}

fn issue(
    dir: &Path,
    label: &str,
    signer_name: &str,
    validity: &Validity,
    key: Key,
    extensions: &str,
    ca_options: &[&str],
) -> Signer {
    let key_file = format!("{label}.key");
    let csr = format!("{label}.csr");
    let cert = format!("{label}.pem");
    let subject = subject("Pemerintah Kabupaten Gorontalo", signer_name);
    let mut args = vec!["req", "-new", "-nodes", "-utf8", "-subj", &subject];
    args.extend(key.args());
    args.extend(["-keyout", &key_file, "-out", &csr]);
    openssl(dir, &args);
    let mut args = vec![
        "ca",
        "-batch",
        "-config",
        "ca.cnf",
        "-notext",
        "-utf8",
        "-extensions",
        extensions,
        "-in",
        &csr,
        "-out",
        &cert,
    ];
    args.extend(ca_options);
    match validity {
        Validity::Current => args.extend(["-days", "365"]),
        Validity::Between(from, to) => args.extend(["-startdate", from, "-enddate", to]),
    }
    openssl(dir, &args);
    Signer {
        dir: dir.to_path_buf(),
        name: signer_name.to_string(),
        cert: dir.join(cert),
        key: dir.join(key_file),
        chain: dir.join("chain.pem"),
        keyopts: Vec::new(),
    }
}

impl Signer {
    /// The signer's certificate, PEM.
    pub fn cert_path(&self) -> &Path {
        &self.cert
    }

    /// The signer's private key, PKCS#8 PEM.
    pub fn key_path(&self) -> &Path {
        &self.key
    }

    /// `pdf` with one more revision holding a signature field on page 1 and its signature
    /// (SHA-256, the CA chain in the CMS).
    pub fn sign(&self, pdf: &[u8]) -> Vec<u8> {
        self.sign_with(pdf, "sha256", true)
    }

    /// As [`Signer::sign`] with the digest `md` (an openssl name), and the CA chain in the
    /// CMS or only the signer's certificate.
    pub fn sign_with(&self, pdf: &[u8], md: &str, with_chain: bool) -> Vec<u8> {
        let (mut out, gap) = prepare(pdf, &self.name);
        let byte_range = [0, gap.0, gap.1, out.len() - gap.1];
        let range_text = format!(
            "[{}]",
            byte_range
                .iter()
                .map(|n| format!("{n:<RANGE_WIDTH$}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let placeholder = find(&out, BYTE_RANGE_PLACEHOLDER.as_bytes()).unwrap();
        assert_eq!(range_text.len(), BYTE_RANGE_PLACEHOLDER.len());
        out[placeholder..placeholder + range_text.len()].copy_from_slice(range_text.as_bytes());

        let mut signed_bytes = out[..gap.0].to_vec();
        signed_bytes.extend_from_slice(&out[gap.1..]);
        // Tests sign in parallel with one signer: each signing gets its own files.
        let work = tempfile::tempdir_in(&self.dir).unwrap();
        let data = work.path().join("to-sign.bin");
        let cms = work.path().join("signature.der");
        std::fs::write(&data, signed_bytes).unwrap();
        let mut args = vec![
            "cms",
            "-sign",
            "-binary",
            "-outform",
            "DER",
            "-md",
            md,
            "-signer",
            self.cert.to_str().unwrap(),
            "-inkey",
            self.key.to_str().unwrap(),
            "-in",
            data.to_str().unwrap(),
            "-out",
            cms.to_str().unwrap(),
        ];
        if with_chain {
            args.extend(["-certfile", self.chain.to_str().unwrap()]);
        }
        args.extend(&self.keyopts);
        openssl(&self.dir, &args);
        let der = std::fs::read(&cms).unwrap();
        let hex = hex::encode_upper(&der);
        assert!(
            hex.len() <= CONTENTS_BYTES * 2,
            "CMS larger than the placeholder"
        );
        out[gap.0 + 1..gap.0 + 1 + hex.len()].copy_from_slice(hex.as_bytes());
        out
    }
}

fn byte_range_placeholder() -> String {
    format!(
        "[{}]",
        (0..4)
            .map(|_| format!("{:<RANGE_WIDTH$}", 0))
            .collect::<Vec<_>>()
            .join(" ")
    )
}

static BYTE_RANGE_PLACEHOLDER: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(byte_range_placeholder);

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The file with the new revision appended and the offsets of the /Contents hex string
/// (`<` to just after `>`), /ByteRange still a placeholder.
fn prepare(pdf: &[u8], name: &str) -> (Vec<u8>, (usize, usize)) {
    let doc = Document::load_mem(pdf).expect("input PDF");
    let root_id = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    let page_id = *doc.get_pages().get(&1).expect("page 1");
    let prev_xref = startxref(pdf);
    let sig_id = (doc.max_id + 1, 0);
    let field_id = (doc.max_id + 2, 0);

    let mut catalog = doc.get_dictionary(root_id).unwrap().clone();
    catalog.set(
        "AcroForm",
        Object::Dictionary(Dictionary::from_iter(vec![
            ("Fields", Object::Array(vec![field_id.into()])),
            ("SigFlags", 3.into()),
        ])),
    );
    let mut page = doc.get_dictionary(page_id).unwrap().clone();
    let mut annots = match page.get(b"Annots") {
        Ok(Object::Array(list)) => list.clone(),
        Ok(Object::Reference(id)) => doc.get_object(*id).unwrap().as_array().unwrap().clone(),
        _ => Vec::new(),
    };
    annots.push(field_id.into());
    page.set("Annots", annots);
    let field = Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Annot".to_vec())),
        ("Subtype", Object::Name(b"Widget".to_vec())),
        ("FT", Object::Name(b"Sig".to_vec())),
        ("T", Object::string_literal("Tanda Tangan Kadis")),
        ("F", 132.into()),
        ("Rect", vec![0.into(), 0.into(), 0.into(), 0.into()].into()),
        ("P", page_id.into()),
        ("V", sig_id.into()),
    ]);

    let mut out = pdf.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets: Vec<(ObjectId, usize)> = Vec::new();
    let mut write = |out: &mut Vec<u8>, id: ObjectId, object: &Object| {
        offsets.push((id, out.len()));
        out.extend_from_slice(format!("{} {} obj\n", id.0, id.1).as_bytes());
        Writer::write_object(out, object).unwrap();
        out.extend_from_slice(b"\nendobj\n");
    };
    write(&mut out, root_id, &Object::Dictionary(catalog));
    write(&mut out, page_id, &Object::Dictionary(page));
    write(&mut out, field_id, &Object::Dictionary(field));

    // The signature dictionary is written by hand: its /ByteRange and /Contents must sit at
    // byte offsets known before the CMS exists.
    offsets.push((sig_id, out.len()));
    let now = chrono::Utc::now().format("D:%Y%m%d%H%M%SZ");
    out.extend_from_slice(
        format!(
            "{} 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached \
             /Name ({name}) /M ({now}) /ByteRange {} /Contents ",
            sig_id.0, *BYTE_RANGE_PLACEHOLDER
        )
        .as_bytes(),
    );
    let start = out.len();
    out.push(b'<');
    out.extend(std::iter::repeat_n(b'0', CONTENTS_BYTES * 2));
    out.push(b'>');
    let end = out.len();
    out.extend_from_slice(b" >>\nendobj\n");

    offsets.sort();
    let xref_at = out.len();
    out.extend_from_slice(b"xref\n");
    for (id, offset) in &offsets {
        out.extend_from_slice(format!("{} 1\n{offset:010} {:05} n \n", id.0, id.1).as_bytes());
    }
    let mut trailer = format!(
        "trailer\n<< /Size {} /Root {} {} R /Prev {prev_xref}",
        doc.max_id + 3,
        root_id.0,
        root_id.1
    );
    if let Ok(info) = doc.trailer.get(b"Info").and_then(Object::as_reference) {
        trailer.push_str(&format!(" /Info {} {} R", info.0, info.1));
    }
    trailer.push_str(&format!(" >>\nstartxref\n{xref_at}\n%%EOF\n"));
    out.extend_from_slice(trailer.as_bytes());
    (out, (start, end))
}

/// Offset of the last cross-reference section, from the file's final `startxref`.
fn startxref(pdf: &[u8]) -> usize {
    let at = pdf
        .windows(9)
        .rposition(|w| w == b"startxref")
        .expect("startxref");
    String::from_utf8_lossy(&pdf[at + 9..])
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("startxref offset")
}

/// A one-page A4 PDF (Helvetica, one line per entry) made with lopdf, as input to sign.
pub fn text_pdf(lines: &[&str]) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Stream, StringFormat, dictionary};

    let mut ops = vec![
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec!["F1".into(), 11.into()]),
        Operation::new("Td", vec![72.into(), 770.into()]),
        Operation::new("TL", vec![16.into()]),
    ];
    for line in lines {
        let bytes = line.chars().map(|c| c as u32 as u8).collect();
        ops.push(Operation::new(
            "Tj",
            vec![Object::String(bytes, StringFormat::Literal)],
        ));
        ops.push(Operation::new("T*", vec![]));
    }
    ops.push(Operation::new("ET", vec![]));
    let mut doc = Document::with_version("1.5");
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let content = doc.add_object(Stream::new(
        dictionary! {},
        Content { operations: ops }.encode().unwrap(),
    ));
    let pages_id = doc.new_object_id();
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => content,
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}
