//! The command line as clap reads it; every help text in Indonesian.

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "sertel",
    version,
    about = "Meja sertifikat elektronik Dinas Kominfo Kabupaten Gorontalo"
)]
pub(super) struct Cli {
    /// Folder with checklist.toml and classify.toml (default: ./rules if present, else the
    /// rules built into sertel).
    #[arg(long, global = true, env = "SERTEL_RULES")]
    pub(super) rules: Option<PathBuf>,
    /// Berkas konfigurasi daemon (lihat samples/sertel.toml).
    #[arg(
        long,
        global = true,
        env = "SERTEL_CONFIG",
        default_value = "/etc/sertel/sertel.toml"
    )]
    pub(super) config: PathBuf,
    #[command(subcommand)]
    pub(super) command: Cmd,
}

#[derive(Subcommand)]
pub(super) enum CaseAction {
    /// Catat tahap BSrE: diajukan, menunggu_aktivasi, disetujui, menunggu_passphrase, terbit.
    Mark {
        state: String,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Susun surat rekomendasi (PDF dan DOCX) dan kirim ke Kadis untuk ditandatangani.
    Draft {
        /// Alasan bila daftar periksa belum lengkap.
        #[arg(long)]
        reason: Option<String>,
        /// Tulis juga salinan surat ke folder ini.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Tulis surat rekomendasi terakhir (PDF dan DOCX) ke folder.
    Letter {
        #[arg(long)]
        out: PathBuf,
    },
    /// Unggah surat yang sudah ditandatangani secara elektronik (PDF dari BSrE eSign).
    Sign {
        file: PathBuf,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Tulis paket unggah BSrE (surat bertanda tangan, KTP, SK, data pemohon) ke folder.
    Package {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub(super) enum Cmd {
    /// Periksa surel permohonan (.eml) dan tampilkan daftar periksa yang sudah terisi.
    Inspect {
        /// Satu atau beberapa berkas .eml.
        #[arg(required = true)]
        messages: Vec<PathBuf>,
        /// Keluaran JSON (satu objek per berkas, satu baris per objek bila lebih dari satu).
        #[arg(long)]
        json: bool,
    },
    /// Baca satu gambar atau PDF (KTP atau SK) dan tampilkan isian yang terbaca.
    Extract {
        file: PathBuf,
        /// Jenis dokumen; bila tidak diisi, ditentukan dari isinya.
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
        #[arg(long)]
        json: bool,
        /// Tampilkan juga teks mentah yang terbaca (teks PDF atau hasil OCR).
        #[arg(long)]
        text: bool,
    },
    /// Jalankan daemon: pantau kotak masuk, buka kasus, kirim balasan (hentikan dengan SIGTERM).
    Run,
    /// Tampilkan satu kasus lengkap dengan riwayatnya, atau jalankan tindakan atas kasus itu.
    Case {
        /// Nomor kasus, mis. TTE-2026-0007.
        id: String,
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        action: Option<CaseAction>,
    },
    /// Laporan layanan: kasus per status dan unit kerja, waktu per tahap SOP.
    Report {
        /// Tanggal awal (YYYY-MM-DD, WITA), termasuk.
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Tanggal akhir (YYYY-MM-DD, WITA), termasuk.
        #[arg(long)]
        to: Option<NaiveDate>,
        /// Keluaran CSV.
        #[arg(long)]
        csv: bool,
    },
    /// Daftar semua kasus.
    Cases {
        #[arg(long)]
        json: bool,
    },
    /// Disposisikan kasus ke verifikator (langkah 2).
    Dispose {
        id: String,
        /// Nama atau email verifikator.
        verifier: String,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Minta kelengkapan dokumen kepada pemohon, dengan pesan (langkah 3).
    Request {
        id: String,
        #[arg(long)]
        message: String,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Tandai satu butir daftar periksa sudah diperiksa dan sesuai.
    Check {
        id: String,
        /// Id butir, mis. nik_mismatch.
        item: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Tolak permohonan dengan alasan; pemohon diberi tahu.
    Reject {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Perbaiki satu isian data pemohon (nama, nik, nip, jabatan, pangkat, unit, hp, surel).
    Edit {
        id: String,
        /// Kunci isian: nama, nik, nip, jabatan, pangkat, unit, hp atau surel.
        field: String,
        value: String,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Cadangkan basis data dan berkas ke folder baru (boleh saat daemon berjalan).
    Backup { dir: PathBuf },
    /// Pulihkan cadangan ke folder data yang kosong (daemon harus berhenti).
    Restore { dir: PathBuf },
    /// Ekspor untuk auditor: riwayat setiap kasus dan setiap percobaan masuk meja web.
    ExportAudit {
        /// Tanggal awal (YYYY-MM-DD, WITA), termasuk.
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Tanggal akhir (YYYY-MM-DD, WITA), termasuk.
        #[arg(long)]
        to: Option<NaiveDate>,
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        #[arg(long)]
        json: bool,
    },
    /// Periksa folder data: setiap berkas yang dirujuk kasus ada dan sesuai SHA-256-nya.
    Verify,
    /// Hapus data pribadi kasus (KTP, SK, surel, surat; NIK disamarkan) atas permintaan.
    Erase {
        id: String,
        /// Alasan penghapusan, dicatat pada riwayat.
        #[arg(long)]
        reason: String,
        /// Hapus juga bila kasus masih berjalan.
        #[arg(long)]
        force: bool,
        #[arg(long, env = "USER", default_value = "staf")]
        by: String,
    },
    /// Kelola akun meja web.
    User {
        #[command(subcommand)]
        action: UserCmd,
    },
    /// Buat contoh permohonan sintetis (bukan data orang sungguhan) untuk uji dan tolok ukur.
    #[cfg(feature = "synth")]
    Synth {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 12)]
        count: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Keluarga gaya: `desk` (yang dipakai menyetel pembaca) atau `office` (gaya lain,
        /// untuk mengukur pada dokumen yang belum pernah dilihat; perlu soffice dan pdftoppm).
        #[arg(long, default_value = "desk", value_parser = ["desk", "office"])]
        family: String,
    },
}

#[derive(Subcommand)]
pub(super) enum UserCmd {
    /// Buat akun (atau ganti peran dan kata sandinya); kata sandi dibaca dari masukan standar
    /// atau ditanyakan bila dijalankan di terminal.
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Untuk verifikator: nama atau email verifikator kantor ([office] verifiers) yang
        /// memakai akun ini; akun itu hanya menindaklanjuti kasus yang didisposisikan kepadanya.
        #[arg(long)]
        verifikator: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum RoleArg {
    Verifikator,
    Kadis,
    Admin,
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum KindArg {
    Ktp,
    Sk,
}
