"""Signed letters from an independent signing stack, for tests/it/signature/pades.rs.

pyHanko signs (PAdES B-B, B-T, B-LT, B-LTA in both layouts, two signers) with a test PKI
made here with `cryptography`, shaped like Root CA Indonesia -> BSrE -> the Kadis, with a
separate timestamp authority, OCSP answers and CRLs. It also builds the forgeries sertel must
refuse. Usage: pades.py OUT_DIR LETTER.pdf OTHER_LETTER.pdf NIK [all|daemon|pki]

The PKI is kept in OUT_DIR/pki and reused when it is there (`pki` makes only it, so a daemon
can trust its root before the letter exists; `daemon` signs LETTER as B-LT, and as a stranger).
The Kadis's common name is $PADES_KADIS_CN (default "Kepala Dinas Uji PAdES").
"""

import datetime
import io
import logging
import os
import subprocess
import sys
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import dss
from pyhanko.stamp import QRStampStyle, TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
OUT = Path(sys.argv[1])
MODE = sys.argv[5] if len(sys.argv) > 5 else "all"
LETTER = Path(sys.argv[2]).read_bytes() if MODE != "pki" else b""
OTHER = Path(sys.argv[3]).read_bytes() if MODE == "all" else b""
NIK = sys.argv[4]
KADIS_CN = os.environ.get("PADES_KADIS_CN", "Kepala Dinas Uji PAdES")
NOW = datetime.datetime.now(datetime.timezone.utc)
PKI = OUT / "pki"
PKI.mkdir(parents=True, exist_ok=True)


def name(cn):
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Uji PAdES"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def issue(cn, issuer=None, ca=False, key=None, eku=None, serial=None):
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer_cert, issuer_key = issuer if issuer else (None, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(cn))
        .issuer_name(issuer_cert.subject if issuer_cert else name(cn))
        .public_key(key.public_key())
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(days=30))
        .not_valid_after(NOW + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca, content_commitment=not ca and eku is None,
                key_encipherment=False, data_encipherment=False, key_agreement=False,
                key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    cert = builder.sign(issuer_key, hashes.SHA256())
    return cert, key


def pem(path, cert):
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def key_pem(path, key):
    path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


def asn1_cert(cert):
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def asn1_key(key):
    return asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


def kept(label, *args, **kwargs):
    """The pair saved under OUT/pki, made by `issue` the first time."""
    cert_path, key_path = PKI / f"{label}.pem", PKI / f"{label}.key"
    if cert_path.exists():
        return (x509.load_pem_x509_certificate(cert_path.read_bytes()),
                serialization.load_pem_private_key(key_path.read_bytes(), None))
    pair = issue(*args, **kwargs)
    pem(cert_path, pair[0])
    key_pem(key_path, pair[1])
    return pair


root = kept("root", "Root CA Indonesia Uji", ca=True)
bsre = kept("bsre", "BSrE Uji", issuer=root, ca=True)
kadis = kept("kadis", KADIS_CN, issuer=bsre)
sekretaris = kept("sekretaris", "Sekretaris Dinas Uji", issuer=bsre,
                  key=ec.generate_private_key(ec.SECP384R1()))
stranger = kept("stranger", "Pegawai Lain Uji", issuer=bsre)
revoked = kept("revoked", KADIS_CN, issuer=bsre)
bsre_old = kept("bsre-old", "BSrE Lama Uji", issuer=root, ca=True)
kadis_old = kept("kadis-old", KADIS_CN, issuer=bsre_old)
kadis_ec = kept("kadis-ec", KADIS_CN, issuer=bsre, key=ec.generate_private_key(ec.SECP384R1()))
tsa_root = kept("tsa-root", "TSA Root Uji", ca=True)
tsa = kept("tsa", "TSA Uji", issuer=tsa_root, eku=[ExtendedKeyUsageOID.TIME_STAMPING])
pem(OUT / "root.pem", root[0])
pem(OUT / "tsa-root.pem", tsa_root[0])


def ocsp_answer(cert, issuer, status, revoked_at=None):
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=cert, issuer=issuer[0], algorithm=hashes.SHA1(), cert_status=status,
        this_update=NOW - datetime.timedelta(minutes=5),
        next_update=NOW + datetime.timedelta(days=7),
        revocation_time=revoked_at,
        revocation_reason=x509.ReasonFlags.key_compromise if revoked_at else None,
    ).responder_id(ocsp.OCSPResponderEncoding.HASH, issuer[0])
    return builder.sign(issuer[1], hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def crl(issuer, revoked_serials=()):
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer[0].subject)
        .last_update(NOW - datetime.timedelta(hours=1))
        .next_update(NOW + datetime.timedelta(days=7))
    )
    for serial in revoked_serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial)
            .revocation_date(NOW - datetime.timedelta(days=1)).build())
    return builder.sign(issuer[1], hashes.SHA256()).public_bytes(serialization.Encoding.DER)


GOOD = {
    "ocsps": [ocsp_answer(c[0], bsre, ocsp.OCSPCertStatus.GOOD) for c in (kadis, sekretaris)]
    + [ocsp_answer(tsa[0], tsa_root, ocsp.OCSPCertStatus.GOOD)],
    "crls": [crl(root)],
}


def context():
    return ValidationContext(
        trust_roots=[asn1_cert(root[0]), asn1_cert(tsa_root[0])],
        other_certs=[asn1_cert(bsre[0])],
        ocsps=GOOD["ocsps"], crls=GOOD["crls"],
        allow_fetching=False, revocation_mode="soft-fail",
    )


STAMPER = timestamps.DummyTimeStamper(
    tsa_cert=asn1_cert(tsa[0]), tsa_key=asn1_key(tsa[1]), certs_to_embed=[asn1_cert(tsa_root[0])])


def signer(pair, pss=False, chain=None):
    chain = [bsre] if chain is None else chain
    return signers.SimpleSigner(
        signing_cert=asn1_cert(pair[0]), signing_key=asn1_key(pair[1]),
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert(c[0]) for c in chain]),
        prefer_pss=pss)


def sign(pdf, who, field, stamp=False, lt=False, lta=False, box=None, pss=False, qr=False,
         chain=None):
    meta = signers.PdfSignatureMetadata(
        field_name=field, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256",
        embed_validation_info=lt, validation_context=context() if lt else None,
        use_pades_lta=lta)
    spec = fields.SigFieldSpec(field, box=box) if box else None
    text = "Ditandatangani secara elektronik oleh %(signer)s"
    style = QRStampStyle(stamp_text=text) if qr else TextStampStyle(stamp_text=text)
    out = signers.PdfSigner(
        meta, signer(who, pss, chain), timestamper=STAMPER if stamp else None, new_field_spec=spec,
        stamp_style=style,
    ).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)),
               appearance_text_params={"url": "https://tte.gorontalokab.go.id/v/uji"} if qr else None)
    return out.getvalue()


def doc_timestamp(pdf):
    out = signers.PdfTimeStamper(STAMPER).timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), "sha256")
    return out.getvalue()


def write(label, data):
    (OUT / f"{label}.pdf").write_bytes(data)


def replace_page_content(pdf, old, new):
    """An incremental update that rewrites page 1's content stream: the incremental saving
    attack (and the first half of a re-signed forgery)."""
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = w.root["/Pages"]["/Kids"][0].get_object()
    ref = page.raw_get("/Contents")
    stream = ref.get_object()
    data = stream.data.replace(old.encode(), new.encode())
    w.update_container(page)
    page["/Contents"] = w.add_object(generic.StreamObject(stream_data=data))
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def other_nik(pdf):
    import re
    return re.search(rb"NIK: (\d{16})", pdf).group(1).decode()


def add_hidden_layer(pdf):
    """Before signing: a second content stream in an optional-content group that is off,
    holding this case's NIK; the shadow attack switches it on after the Kadis signed."""
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    ocg = w.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/OCG"),
        generic.NameObject("/Name"): generic.TextStringObject("bayangan"),
    }))
    props = w.add_object(generic.DictionaryObject({
        generic.NameObject("/OCGs"): generic.ArrayObject([ocg]),
        generic.NameObject("/D"): generic.DictionaryObject({
            generic.NameObject("/OFF"): generic.ArrayObject([ocg]),
        }),
    }))
    w.root["/OCProperties"] = props
    w.update_root()
    page = w.root["/Pages"]["/Kids"][0].get_object()
    resources = page["/Resources"]
    resources["/Properties"] = generic.DictionaryObject({generic.NameObject("/oc1"): ocg})
    hidden = (
        "/OC /oc1 BDC 1 1 1 rg 60 600 400 100 re f 0 0 0 rg BT /F1 11 Tf 72 650 Td "
        f"(NIK: {NIK}) Tj ET EMC"
    ).encode()
    contents = page.raw_get("/Contents")
    page["/Contents"] = generic.ArrayObject(
        [contents, w.add_object(generic.StreamObject(stream_data=hidden))])
    w.update_container(page)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue(), props.idnum


def switch_layer_on(pdf, props_id):
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    props = w.get_object(generic.Reference(props_id, 0, w))
    props["/D"] = generic.DictionaryObject({generic.NameObject("/OFF"): generic.ArrayObject()})
    w.mark_update(generic.Reference(props_id, 0, w))
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def with_dss(pdf, ocsps, crls):
    """A DSS added in its own revision after the signature, as BSrE does with LTV on."""
    buf = io.BytesIO(pdf)
    buf.seek(0, io.SEEK_END)
    dss.DocumentSecurityStore.add_dss(
        buf, sig_contents=None, certs=[asn1_cert(bsre[0]), asn1_cert(root[0])],
        ocsps=[asn1_ocsp(o) for o in ocsps], crls=[asn1_crl(c) for c in crls],
        force_write=True)
    return buf.getvalue()


def asn1_ocsp(der):
    from asn1crypto import ocsp as asn1_ocsp_mod
    return asn1_ocsp_mod.OCSPResponse.load(der)


def asn1_crl(der):
    from asn1crypto import crl as asn1_crl_mod
    return asn1_crl_mod.CertificateList.load(der)


if MODE == "pki":
    sys.exit(0)
if MODE == "daemon":
    write("b-lt", sign(LETTER, kadis, "Signature1", stamp=True, lt=True))
    write("forgery-stranger", sign(LETTER, stranger, "Signature1", stamp=True))
    sys.exit(0)

# Accepted: what BSrE and other real signers return.
write("b-b", sign(LETTER, kadis, "Signature1"))
write("b-t", sign(LETTER, kadis, "Signature1", stamp=True))
b_lt = sign(LETTER, kadis, "Signature1", stamp=True, lt=True,
            box=(360, 60, 560, 120))
write("b-lt", b_lt)
write("b-lta", sign(LETTER, kadis, "Signature1", stamp=True, lt=True, lta=True))
write("b-t-then-doc-timestamp", doc_timestamp(sign(LETTER, kadis, "Signature1", stamp=True)))
write("two-signers-lt", sign(b_lt, sekretaris, "Signature2", stamp=True, lt=True))
write("b-lt-pss", sign(LETTER, kadis, "Signature1", stamp=True, lt=True, pss=True))
write("b-lt-p384", sign(LETTER, kadis_ec, "Signature1", stamp=True, lt=True))
write("b-lt-qr", sign(LETTER, kadis, "Signature1", stamp=True, lt=True, qr=True,
                      box=(360, 60, 560, 140)))
qpdf = OUT / "qpdf-in.pdf"
qpdf.write_bytes(LETTER)
subprocess.run(["qpdf", "--object-streams=generate", str(qpdf), str(OUT / "qpdf-out.pdf")],
               check=True)
write("qpdf-b-lt", sign((OUT / "qpdf-out.pdf").read_bytes(), kadis, "Signature1",
                         stamp=True, lt=True))

# The CMS without the intermediate, which only the DSS carries.
write("intermediate-in-dss-only", with_dss(sign(LETTER, kadis, "Signature1", chain=[]),
                                           GOOD["ocsps"], GOOD["crls"]))

# Refused: the forgeries.
# (1) Another case's letter, signed by the Kadis, changed to this NIK, re-signed by a stranger.
signed_other = sign(OTHER, kadis, "Signature1")
changed = replace_page_content(signed_other, other_nik(OTHER), NIK)
write("forgery-resigned", sign(changed, stranger, "Signature2"))
# (2) Shadow attack: hidden layer before signing, switched on after.
shadowed, props_id = add_hidden_layer(OTHER)
write("forgery-shadow", switch_layer_on(sign(shadowed, kadis, "Signature1"), props_id))
# (3) Invisible text: another case's letter carrying this NIK in render mode 3.
w = IncrementalPdfFileWriter(io.BytesIO(OTHER))
page = w.root["/Pages"]["/Kids"][0].get_object()
page["/Contents"] = generic.ArrayObject([page.raw_get("/Contents"), w.add_object(
    generic.StreamObject(stream_data=f"BT 3 Tr /F1 11 Tf 72 500 Td (NIK: {NIK}) Tj ET".encode()))])
w.update_container(page)
buf = io.BytesIO()
w.write(buf)
write("forgery-invisible", sign(buf.getvalue(), kadis, "Signature1"))
# (4) This case's letter signed by someone who is not the Kadis.
write("forgery-stranger", sign(LETTER, stranger, "Signature1", stamp=True))
# (5) The signer's own embedded OCSP answer says it is revoked.
revoked_signed = sign(LETTER, revoked, "Signature1")
write("forgery-revoked", with_dss(
    revoked_signed,
    [ocsp_answer(revoked[0], bsre, ocsp.OCSPCertStatus.REVOKED, NOW - datetime.timedelta(days=2))],
    GOOD["crls"]))
# The issuing CA (an old BSrE intermediate) revoked by the root's CRL the file carries.
write("forgery-revoked-intermediate", with_dss(
    sign(LETTER, kadis_old, "Signature1", chain=[bsre_old]), [],
    [crl(root, [bsre_old[0].serial_number])]))
# Incremental saving attack: the Kadis's own letter, its NIK changed afterwards, no signature.
write("forgery-incremental", replace_page_content(
    sign(LETTER, kadis, "Signature1"), NIK, other_nik(OTHER)))


def pyhanko_verdicts(label):
    """pyHanko's own validator on a file: one line per signature, its bottom line and the
    modification level it found after that signature."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    with open(OUT / f"{label}.pdf", "rb") as f:
        reader = PdfFileReader(f)
        lines = []
        for sig in reader.embedded_regular_signatures:
            status = validate_pdf_signature(sig, ValidationContext(
                trust_roots=[asn1_cert(root[0]), asn1_cert(tsa_root[0])],
                other_certs=[asn1_cert(bsre[0])], ocsps=GOOD["ocsps"], crls=GOOD["crls"],
                allow_fetching=False, revocation_mode="soft-fail"))
            level = status.modification_level.name if status.modification_level else "NONE"
            lines.append(f"{sig.field_name} {status.bottom_line} {level}")
    (OUT / f"{label}.pyhanko").write_text("\n".join(lines) + "\n")


for checked in ["b-b", "b-t", "b-lt", "b-lta", "b-t-then-doc-timestamp", "two-signers-lt",
                "qpdf-b-lt", "b-lt-pss", "b-lt-p384", "b-lt-qr", "intermediate-in-dss-only", "forgery-resigned", "forgery-incremental"]:
    pyhanko_verdicts(checked)
