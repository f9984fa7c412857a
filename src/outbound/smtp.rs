//! SMTP delivery with lettre (STARTTLS or TLS, optional AUTH, an extra CA).
