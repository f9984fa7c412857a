//! Synthetic civil servants: names, NIK, NIP, address and post, consistent with each other and
//! with the Gorontalo regions they come from (invented people, real place names).

use chrono::{Datelike, NaiveDate};

use super::rng::{self, Rng};

/// One invented applicant; every string is as it would be printed or typed in real documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Name with academic degree as used at work, e.g. "Rahmat Hasan Lamato, S.Kom.".
    pub name: String,
    /// The same person as the KTP prints it: no degree, uppercase.
    pub name_on_ktp: String,
    pub nik: String,
    pub nip: String,
    /// "LAKI-LAKI" or "PEREMPUAN".
    pub sex: String,
    pub birth_place: String,
    pub birth_date: NaiveDate,
    pub address: String,
    pub rt_rw: String,
    pub kel_desa: String,
    pub kecamatan: String,
    pub religion: String,
    pub marital_status: String,
    pub occupation: String,
    /// Jabatan, e.g. "Pranata Komputer Ahli Pertama".
    pub position: String,
    /// Pangkat/golongan, e.g. "Penata Muda Tk. I (III/b)", or "Golongan IX" for PPPK.
    pub rank: String,
    /// OPD, e.g. "Dinas Pendidikan".
    pub unit: String,
    /// Local form, e.g. "081234567890".
    pub phone: String,
    pub email: String,
    /// First four NIK digits, e.g. "7502".
    pub ktp_regency_code: String,
}

/// A regency or city whose KTP header, districts and villages we know.
pub struct Regency {
    pub code: &'static str,
    pub province: &'static str,
    pub name: &'static str,
    /// How the issuing office is printed under the photo.
    pub issue_place: &'static str,
    /// Kecamatan names; the district code is the 1-based index.
    pub districts: &'static [(&'static str, &'static [&'static str])],
    pub birth_places: &'static [&'static str],
}

/// Kabupaten Gorontalo: the home regency of most applicants.
pub const HOME_REGENCY: &str = "7502";

pub const REGENCIES: &[Regency] = &[
    Regency {
        code: "7502",
        province: "PROVINSI GORONTALO",
        name: "KABUPATEN GORONTALO",
        issue_place: "KAB. GORONTALO",
        districts: &[
            (
                "LIMBOTO",
                &[
                    "HUNGGALUWA",
                    "KAYUBULAN",
                    "BOLIHUANGGA",
                    "HEPUHULAWA",
                    "BIYONGA",
                ],
            ),
            ("TELAGA", &["BULILA", "LUHU", "PILOHAYANGA", "HULAWA"]),
            ("BATUDAA", &["ILUTA", "BUA", "PAYUNGA"]),
            ("TIBAWA", &["ISIMU SELATAN", "ISIMU UTARA", "ILOMATA"]),
            ("BATUDAA PANTAI", &["BILUHU TIMUR", "LAMU", "KAYUBULAN"]),
            ("BOLIYOHUTO", &["DIDINGGA", "PARUNGI", "MOLOMBULAHE"]),
            ("TELAGA BIRU", &["TULADENGGI", "DUMATI", "PENTADIO BARAT"]),
            ("BONGOMEME", &["DULAMAYO", "MOLAS", "BATULAYAR"]),
            ("TOLANGOHULA", &["SIDOHARJO", "LAKEYA", "MOTOLOHU"]),
            ("MOOTILANGO", &["PARIS", "KARYA BARU", "SIDOMULYO"]),
            ("PULUBALA", &["PULUBALA", "MOLAMAHU", "BAKTI"]),
            ("LIMBOTO BARAT", &["DAENAA", "HUIDU", "YOSONEGORO"]),
            ("TILANGO", &["TILOTE", "ILOTIDEA", "DULOHUPA"]),
            ("TABONGO", &["TABONGO BARAT", "LIMEHE TIMUR", "ILOHUNGAYO"]),
            ("BILUHU", &["BILUHU TENGAH", "LOBUTO", "BILUHU BARAT"]),
            ("ASPARAGA", &["BIHE", "KARYA MUKTI", "PINOLOMBULAHE"]),
            ("TALAGA JAYA", &["HUTADAA", "BUHU", "LUWOO"]),
            ("BILATO", &["BILATO", "LAMAHU", "JURIYA"]),
            ("DUNGALIYO", &["DUNGALIYO", "POMBOLA", "MOMALIA"]),
        ],
        birth_places: &[
            "LIMBOTO",
            "GORONTALO",
            "TELAGA",
            "TIBAWA",
            "BATUDAA",
            "KWANDANG",
        ],
    },
    Regency {
        code: "7501",
        province: "PROVINSI GORONTALO",
        name: "KABUPATEN BOALEMO",
        issue_place: "KAB. BOALEMO",
        districts: &[
            ("TILAMUTA", &["HUNGAYO", "PENTADU TIMUR", "PAPUALANGI"]),
            ("PAGUYAMAN", &["BONGO IV", "MOLOMBULAHE", "DIDURU"]),
            ("MANANGGU", &["TABULO", "KAAROS", "PONTOLO"]),
            ("DULUPI", &["DULUPI", "TANGKOBU", "POLOHUNGO"]),
            ("WONOSARI", &["TANGKOBU", "DIMITO", "SIDOMULYO"]),
        ],
        birth_places: &["TILAMUTA", "GORONTALO", "PAGUYAMAN"],
    },
    Regency {
        code: "7503",
        province: "PROVINSI GORONTALO",
        name: "KABUPATEN POHUWATO",
        issue_place: "KAB. POHUWATO",
        districts: &[
            ("POPAYATO", &["MARISA UTARA", "TELAGA", "TUNAS JAYA"]),
            ("MARISA", &["PALOPO", "BULANGITA", "PAPUALANGI"]),
            ("PAGUAT", &["SIDOMULYO", "BUMBULAN", "MAROPE"]),
            ("LEMITO", &["LEMITO", "BOTUBILOTAHU", "WONGGARASI"]),
            ("RANDANGAN", &["MOTOLOHU", "SIDODADI", "PANCAKARSA"]),
        ],
        birth_places: &["MARISA", "GORONTALO", "PAGUAT"],
    },
    Regency {
        code: "7504",
        province: "PROVINSI GORONTALO",
        name: "KABUPATEN BONE BOLANGO",
        issue_place: "KAB. BONE BOLANGO",
        districts: &[
            ("SUWAWA", &["BOLANGO UTARA", "HUNGGALUWA", "BUBE"]),
            ("KABILA", &["OLUHUTA", "PAUWO", "TUMBIHE"]),
            ("TAPA", &["TALUMOPATU", "LANGGE", "KRAMAT"]),
            ("BULANGO SELATAN", &["TINELO", "HUNTU", "BIYONGA"]),
            ("TILONGKABILA", &["BUTU", "TOTO SELATAN", "LONUO"]),
        ],
        birth_places: &["SUWAWA", "GORONTALO", "KABILA"],
    },
    Regency {
        code: "7505",
        province: "PROVINSI GORONTALO",
        name: "KABUPATEN GORONTALO UTARA",
        issue_place: "KAB. GORONTALO UTARA",
        districts: &[
            ("ATINGGOLA", &["ILOMATA", "POSONO", "KOTAJIN"]),
            ("KWANDANG", &["MOLINGKAPOTO", "KATINGGOLAN", "BOLIHUTUO"]),
            ("ANGGREK", &["ILANGATA", "TOLONGIO", "MOLANTU"]),
            ("SUMALATA", &["KASIA", "BULONTIO", "DEME"]),
            ("TOLINGGULA", &["TOLINGGULA TENGAH", "PINONTOYONGA", "NAGA"]),
        ],
        birth_places: &["KWANDANG", "GORONTALO", "ATINGGOLA"],
    },
    Regency {
        code: "7571",
        province: "PROVINSI GORONTALO",
        name: "KOTA GORONTALO",
        issue_place: "KOTA GORONTALO",
        districts: &[
            ("KOTA BARAT", &["BULADU", "LEKOBALO", "DEMBE I"]),
            ("KOTA SELATAN", &["BIAWAO", "LIMBA U1", "LIMBA B"]),
            ("KOTA UTARA", &["WUMIALO", "DULOMO", "DEMBE II"]),
            ("DUNGINGI", &["TOMULABUTAO", "HUANGOBOTU", "LIBUO"]),
            ("KOTA TIMUR", &["HELEDULAA", "MOODU", "PADEBUOLO"]),
            ("KOTA TENGAH", &["DULALOWO", "LIATO", "PULUBALA"]),
        ],
        birth_places: &["GORONTALO", "LIMBOTO", "MANADO"],
    },
    Regency {
        code: "7371",
        province: "PROVINSI SULAWESI SELATAN",
        name: "KOTA MAKASSAR",
        issue_place: "KOTA MAKASSAR",
        districts: &[
            ("MARISO", &["PANAMBUNGAN", "MATTOANGING", "BONTORANNU"]),
            (
                "MAMAJANG",
                &["BONTO LEBANG", "MAMAJANG DALAM", "BONTO BIRAENG"],
            ),
            ("TAMALATE", &["MANGASA", "PARANG TAMBUNG", "GUNUNG SARI"]),
            ("RAPPOCINI", &["TIDUNG", "KARUNRUNG", "BANTA-BANTAENG"]),
            ("PANAKKUKANG", &["PANDANG", "KARUWISI", "TAMAMAUNG"]),
        ],
        birth_places: &["MAKASSAR", "UJUNG PANDANG", "GOWA"],
    },
    Regency {
        code: "7171",
        province: "PROVINSI SULAWESI UTARA",
        name: "KOTA MANADO",
        issue_place: "KOTA MANADO",
        districts: &[
            ("MALALAYANG", &["BAHU", "WINANGUN SATU", "KLEAK"]),
            ("SARIO", &["TITIWUNGEN SELATAN", "RANOTANA", "SARIO UTARA"]),
            ("WANEA", &["TELING ATAS", "KAROMBASAN", "TANJUNG BATU"]),
            ("WENANG", &["WENANG SELATAN", "PINARAS", "TIKALA KUMARAKA"]),
            ("TIKALA", &["TIKALA BARU", "BANJER", "TAAS"]),
        ],
        birth_places: &["MANADO", "GORONTALO", "BITUNG"],
    },
];

pub fn regency(code: &str) -> &'static Regency {
    REGENCIES
        .iter()
        .find(|r| r.code == code)
        .unwrap_or(&REGENCIES[0])
}

const MALE_FIRST: &[&str] = &[
    "Rahmat", "Fadli", "Yusuf", "Rizal", "Arif", "Irfan", "Ridwan", "Hendra", "Syamsul", "Rusli",
    "Zulkifli", "Sofyan", "Iwan", "Abdul", "Fikri", "Adnan", "Hamzah", "Taufik", "Anwar", "Idris",
    "Ismet", "Wahyudi", "Jefri", "Roni",
];
const FEMALE_FIRST: &[&str] = &[
    "Siti",
    "Sri",
    "Nurhayati",
    "Ayu",
    "Fitri",
    "Rahmawati",
    "Dewi",
    "Rina",
    "Yuliana",
    "Hasna",
    "Sitti",
    "Rosmawati",
    "Fatmawati",
    "Marlina",
    "Nurul",
    "Fitriani",
    "Indah",
    "Sarina",
    "Wiwin",
    "Ratna",
];
const MALE_MIDDLE: &[&str] = &["Hasan", "Syahputra", "Rizky", "Saputra", "Fajar", "Ilham"];
const FEMALE_MIDDLE: &[&str] = &[
    "Nurhaliza",
    "Wahyuni",
    "Lestari",
    "Puspita",
    "Anggraini",
    "Ramadhani",
];
const FAMILY: &[&str] = &[
    "Pakaya", "Hulukati", "Mohamad", "Lamato", "Gobel", "Dunggio", "Bumulo", "Katili", "Hasan",
    "Ismail", "Abas", "Daud", "Yusuf", "Ahmad", "Panigoro", "Nusi", "Tangahu", "Ali", "Monoarfa",
    "Jusuf", "Olii", "Lihawa", "Taha",
];

/// A post an applicant can hold, with the degrees and ranks that fit it.
struct Post {
    title: &'static str,
    degrees: &'static [&'static str],
    /// Range of PNS golongan indices into [`GOLONGAN`].
    gol: (usize, usize),
    /// PPPK golongan when PPPK are hired into this post.
    pppk: Option<&'static str>,
}

const fn post(
    title: &'static str,
    degrees: &'static [&'static str],
    gol: (usize, usize),
    pppk: Option<&'static str>,
) -> Post {
    Post {
        title,
        degrees,
        gol,
        pppk,
    }
}

/// (pangkat, ruang) by golongan index; II/a is 0, IV/c is 10.
const GOLONGAN: &[(&str, &str)] = &[
    ("Pengatur Muda", "II/a"),
    ("Pengatur Muda Tk. I", "II/b"),
    ("Pengatur", "II/c"),
    ("Pengatur Tk. I", "II/d"),
    ("Penata Muda", "III/a"),
    ("Penata Muda Tk. I", "III/b"),
    ("Penata", "III/c"),
    ("Penata Tk. I", "III/d"),
    ("Pembina", "IV/a"),
    ("Pembina Tk. I", "IV/b"),
    ("Pembina Utama Muda", "IV/c"),
];

const S1_IT: &[&str] = &["S.Kom.", "S.T.", "S.Kom."];
const S1_ADMIN: &[&str] = &["S.Sos.", "S.E.", "S.IP.", "S.H."];
const S2_ADMIN: &[&str] = &["S.Sos., M.Si.", "S.E., M.Si.", "S.IP., M.Si.", "S.T., M.T."];
const S1_FIN: &[&str] = &["S.E.", "S.E.", "S.Ak."];

const UNITS: &[(&str, &[Post])] = &[
    (
        "Dinas Pendidikan",
        &[
            post("Guru Ahli Pertama", &["S.Pd."], (4, 5), Some("IX")),
            post("Guru Ahli Muda", &["S.Pd.", "S.Pd., M.Pd."], (6, 7), None),
            post(
                "Pengawas Sekolah Ahli Muda",
                &["S.Pd., M.Pd."],
                (6, 8),
                None,
            ),
            post(
                "Kepala Seksi Kurikulum Sekolah Dasar",
                S2_ADMIN,
                (7, 8),
                None,
            ),
            post("Bendahara Pengeluaran", S1_FIN, (4, 6), None),
        ],
    ),
    (
        "Dinas Kesehatan",
        &[
            post(
                "Epidemiolog Kesehatan Ahli Pertama",
                &["S.K.M."],
                (4, 5),
                Some("IX"),
            ),
            post(
                "Administrator Kesehatan Ahli Muda",
                &["S.K.M., M.Kes."],
                (6, 7),
                None,
            ),
            post("Bidan Terampil", &["A.Md.Keb."], (2, 4), Some("VII")),
            post(
                "Kepala Seksi Pelayanan Kesehatan Primer",
                S2_ADMIN,
                (7, 8),
                None,
            ),
            post("Bendahara Pengeluaran", S1_FIN, (4, 6), None),
        ],
    ),
    (
        "Badan Keuangan Daerah",
        &[
            post(
                "Analis Keuangan Pusat dan Daerah Ahli Muda",
                S1_FIN,
                (6, 7),
                None,
            ),
            post(
                "Analis Keuangan Pusat dan Daerah Ahli Pertama",
                S1_FIN,
                (4, 5),
                Some("IX"),
            ),
            post("Kepala Bidang Perbendaharaan", S2_ADMIN, (8, 9), None),
            post("Bendahara Pengeluaran", S1_FIN, (4, 6), None),
        ],
    ),
    (
        "Dinas Komunikasi dan Informatika",
        &[
            post("Pranata Komputer Ahli Pertama", S1_IT, (4, 5), Some("IX")),
            post("Pranata Komputer Ahli Muda", S1_IT, (6, 7), None),
            post("Pranata Komputer Terampil", &["A.Md."], (2, 4), Some("VII")),
            post("Sandiman Ahli Pertama", S1_IT, (4, 5), None),
            post(
                "Pranata Hubungan Masyarakat Ahli Pertama",
                &["S.Sos.", "S.I.Kom."],
                (4, 5),
                None,
            ),
            post(
                "Kepala Bidang Persandian dan Statistik",
                S2_ADMIN,
                (8, 9),
                None,
            ),
        ],
    ),
    (
        "Sekretariat Daerah",
        &[
            post("Analis Kebijakan Ahli Muda", S2_ADMIN, (6, 7), None),
            post("Kepala Bagian Hukum", &["S.H., M.H."], (8, 9), None),
            post(
                "Perancang Peraturan Perundang-undangan Ahli Pertama",
                &["S.H."],
                (4, 5),
                None,
            ),
            post(
                "Pranata Hubungan Masyarakat Ahli Muda",
                &["S.Sos.", "S.I.Kom."],
                (6, 7),
                None,
            ),
        ],
    ),
    (
        "Kecamatan Limboto",
        &[
            post("Sekretaris Kecamatan", S2_ADMIN, (7, 8), None),
            post("Kepala Seksi Pemerintahan", S1_ADMIN, (6, 7), None),
            post("Bendahara Pengeluaran", &["S.E.", "A.Md."], (3, 5), None),
        ],
    ),
    (
        "RSUD Dr. M.M. Dunda Limboto",
        &[
            post("Perawat Ahli Pertama", &["S.Kep., Ns."], (4, 5), Some("IX")),
            post("Perawat Terampil", &["A.Md.Kep."], (2, 4), Some("VII")),
            post("Dokter Ahli Pertama", &["dr."], (5, 6), None),
            post("Apoteker Ahli Pertama", &["S.Farm., Apt."], (5, 6), None),
            post("Kepala Seksi Pelayanan Medik", S2_ADMIN, (7, 8), None),
        ],
    ),
    (
        "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
        &[
            post("Analis Kepegawaian Ahli Muda", S1_ADMIN, (6, 7), None),
            post(
                "Analis Kepegawaian Ahli Pertama",
                S1_ADMIN,
                (4, 5),
                Some("IX"),
            ),
            post("Kepala Bidang Mutasi dan Promosi", S2_ADMIN, (8, 9), None),
        ],
    ),
    (
        "Dinas Pekerjaan Umum dan Penataan Ruang",
        &[
            post(
                "Teknik Jalan dan Jembatan Ahli Pertama",
                &["S.T."],
                (4, 5),
                Some("IX"),
            ),
            post(
                "Penata Ruang Ahli Muda",
                &["S.T.", "S.T., M.T."],
                (6, 7),
                None,
            ),
            post("Kepala Seksi Pembangunan Jalan", &["S.T."], (6, 8), None),
        ],
    ),
    (
        "Dinas Kependudukan dan Pencatatan Sipil",
        &[
            post(
                "Administrator Database Kependudukan Ahli Pertama",
                S1_IT,
                (4, 5),
                None,
            ),
            post("Kepala Seksi Identitas Penduduk", S1_ADMIN, (6, 7), None),
            post("Pengadministrasi Umum", &["", "A.Md."], (0, 3), Some("V")),
        ],
    ),
];

const STREETS: &[&str] = &[
    "JL. AGUS SALIM",
    "JL. JEND. SUDIRMAN",
    "JL. PROF. DR. H. ALOEI SABOE",
    "JL. TRANS SULAWESI",
    "JL. NANI WARTABONE",
    "JL. RAJA EYATO",
    "JL. ARIF RAHMAN HAKIM",
    "JL. KASUARI",
    "JL. JAKSA AGUNG SUPRAPTO",
    "JL. BERINGIN",
];
const PHONE_PREFIXES: &[&str] = &[
    "0812", "0813", "0821", "0822", "0852", "0853", "0856", "0857", "0877", "0895",
];

/// Which regency a new person's NIK comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// 85% Kabupaten Gorontalo, the rest anywhere in [`REGENCIES`].
    Natural,
    Home,
    /// Any regency but Kabupaten Gorontalo.
    Elsewhere,
}

/// Everything a caller may pin down about a new person.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub origin: Origin,
    /// Force (or forbid) a "Moh." first name, the one whose spelling differs between documents.
    pub moh: Option<bool>,
}

/// A deterministic random person.
pub fn person(seed: u64) -> Person {
    generate(
        seed,
        Spec {
            origin: Origin::Natural,
            moh: None,
        },
    )
}

/// Given and family names, one word each, for a person of the given sex; used both for
/// applicants and for the other people in a sample (forwarders, a wrong name on an SK).
pub fn given_and_family(rng: &mut Rng, male: bool) -> (String, String) {
    let first = *rng.pick(if male { MALE_FIRST } else { FEMALE_FIRST });
    let family = *rng.pick(FAMILY);
    (first.to_string(), family.to_string())
}

pub fn generate(seed: u64, spec: Spec) -> Person {
    let mut rng = Rng::new(rng::derive(seed, 0x5045_5253));
    let regency = match spec.origin {
        Origin::Home => regency(HOME_REGENCY),
        Origin::Natural if rng.chance(0.85) => regency(HOME_REGENCY),
        Origin::Natural | Origin::Elsewhere => {
            let others: Vec<&Regency> = REGENCIES
                .iter()
                .filter(|r| r.code != HOME_REGENCY)
                .collect();
            *rng.pick(&others)
        }
    };

    // Employment first: PPPK were appointed 2021-2024, which bounds the birth year.
    let pppk = rng.chance(0.2);
    let (birth_year, appointed_year) = if pppk {
        let appointed = rng.range(2021, 2024);
        let birth = (appointed - rng.range(22, 35)).clamp(1968, 1998);
        (birth, appointed)
    } else {
        let birth = rng.range(1968, 1998);
        (birth, (birth + rng.range(22, 35)).min(2024))
    };
    let month = rng.range(1, 12) as u32;
    let day = rng.range(1, days_in_month(birth_year as i32, month) as i64) as u32;
    let birth_date = NaiveDate::from_ymd_opt(birth_year as i32, month, day).expect("valid day");

    let (unit, post) = pick_post(&mut rng, pppk);
    // Midwives are women; every other post is open to both.
    let male = !post.title.starts_with("Bidan") && rng.chance(0.5);
    let degree = *rng.pick(post.degrees);
    let moh = male && spec.moh.unwrap_or_else(|| rng.chance(0.12));
    let (given, family) = loop {
        let (g, f) = given_and_family(&mut rng, male);
        if g != f {
            break (g, f);
        }
    };
    let mut words: Vec<&str> = Vec::new();
    if moh {
        words.push("Moh.");
    }
    words.push(&given);
    if rng.chance(0.45) {
        let middle = *rng.pick(if male { MALE_MIDDLE } else { FEMALE_MIDDLE });
        if middle != given && middle != family {
            words.push(middle);
        }
    }
    words.push(&family);
    let plain = words.join(" ");
    let name = with_degree(&plain, degree);
    let name_on_ktp = plain.replace('.', "").to_uppercase();

    let district_index = rng.below(regency.districts.len() as u64) as usize;
    let (kecamatan, villages) = regency.districts[district_index];
    let kel_desa = *rng.pick(villages);
    let nik = format!(
        "{}{:02}{:02}{:02}{:02}{:04}",
        regency.code,
        district_index + 1,
        day + if male { 0 } else { 40 },
        month,
        birth_year % 100,
        nik_sequence(&mut rng)
    );
    let appointed_month = *rng.pick(&[1, 1, 2, 3, 4, 10, 12]);
    let nip = if pppk {
        format!(
            "{}{}21{}{:03}",
            birth_date.format("%Y%m%d"),
            appointed_year,
            if male { 1 } else { 2 },
            rng.range(1, 40)
        )
    } else {
        format!(
            "{}{}{:02}{}{:03}",
            birth_date.format("%Y%m%d"),
            appointed_year,
            appointed_month,
            if male { 1 } else { 2 },
            rng.range(1, 25)
        )
    };
    let rank = if pppk {
        format!("Golongan {}", post.pppk.unwrap_or("IX"))
    } else {
        // Roughly one promotion every four years, within what the post allows.
        let years = (2026 - appointed_year) as usize;
        let gol = (post.gol.0 + years / 4).min(post.gol.1);
        let (pangkat, ruang) = GOLONGAN[gol];
        format!("{pangkat} ({ruang})")
    };

    let address = if rng.chance(0.3) {
        format!(
            "DUSUN {}",
            rng.pick(&["I", "II", "III", "IV", "TIMUR", "BARAT"])
        )
    } else {
        format!("{} NO. {}", rng.pick(STREETS), rng.range(1, 120))
    };
    let rt_rw = format!("{:03}/{:03}", rng.range(1, 8), rng.range(1, 5));
    let religion = if rng.chance(0.9) {
        "ISLAM"
    } else {
        *rng.pick(&["KRISTEN", "KATOLIK", "HINDU"])
    };
    let age = 2026 - birth_year;
    let marital_status = if age < 30 && rng.chance(0.5) {
        "BELUM KAWIN"
    } else if rng.chance(0.05) {
        "CERAI HIDUP"
    } else {
        "KAWIN"
    };
    let phone = format!("{}{:08}", rng.pick(PHONE_PREFIXES), rng.below(100_000_000));
    let mut email = format!("{}.{}", ascii_lower(&given), ascii_lower(&family));
    if rng.chance(0.3) {
        email.push_str(&format!("{:02}", birth_year % 100));
    }
    email.push_str("@gorontalokab.go.id");

    Person {
        name,
        name_on_ktp,
        nik,
        nip,
        sex: if male { "LAKI-LAKI" } else { "PEREMPUAN" }.to_string(),
        birth_place: rng.pick(regency.birth_places).to_string(),
        birth_date,
        address,
        rt_rw,
        kel_desa: kel_desa.to_string(),
        kecamatan: kecamatan.to_string(),
        religion: religion.to_string(),
        marital_status: marital_status.to_string(),
        // A PPPK's KTP still says what they were when it was issued: mostly honorary staff.
        occupation: if pppk {
            "KARYAWAN HONORER"
        } else {
            "PEGAWAI NEGERI SIPIL"
        }
        .to_string(),
        position: post.title.to_string(),
        rank,
        unit: unit.to_string(),
        phone,
        email,
        ktp_regency_code: regency.code.to_string(),
    }
}

fn pick_post(rng: &mut Rng, pppk: bool) -> (&'static str, &'static Post) {
    let candidates: Vec<(&'static str, &'static Post)> = UNITS
        .iter()
        .flat_map(|(unit, posts)| posts.iter().map(move |p| (*unit, p)))
        .filter(|(_, p)| !pppk || p.pppk.is_some())
        .collect();
    *rng.pick(&candidates)
}

/// Attaches a degree the Indonesian way: "dr." goes before the name, the rest after a comma.
pub fn with_degree(name: &str, degree: &str) -> String {
    match degree {
        "" => name.to_string(),
        "dr." => format!("dr. {name}"),
        d => format!("{name}, {d}"),
    }
}

/// The part of a person's written name after the name itself ("S.Kom.", "S.Kep., Ns.") and
/// before it ("dr."), so another name can be given the same degree.
pub fn degree_of(name: &str) -> (&str, &str) {
    let (front, rest) = match name.strip_prefix("dr. ") {
        Some(rest) => ("dr.", rest),
        None => ("", name),
    };
    match rest.find(", ") {
        Some(i) => (front, &rest[i + 2..]),
        None => (front, ""),
    }
}

/// The name without degrees, as typed in running text.
pub fn bare_name(name: &str) -> &str {
    let rest = name.strip_prefix("dr. ").unwrap_or(name);
    rest.split(", ").next().unwrap_or(rest)
}

fn nik_sequence(rng: &mut Rng) -> u64 {
    // Sequences are per village and birth date, so small numbers dominate.
    if rng.chance(0.8) {
        rng.range(1, 9) as u64
    } else {
        rng.range(10, 2999) as u64
    }
}

fn ascii_lower(word: &str) -> String {
    word.chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_lowercase()
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    let first_next = NaiveDate::from_ymd_opt(ny, nm, 1).expect("valid month");
    first_next.pred_opt().expect("has a previous day").day()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Birth date and sex as the NIK encodes them (women's day + 40).
    fn nik_birth(nik: &str) -> Option<(NaiveDate, bool)> {
        if nik.len() != 16 || !nik.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let dd: u32 = nik[6..8].parse().ok()?;
        let mm: u32 = nik[8..10].parse().ok()?;
        let yy: i32 = nik[10..12].parse().ok()?;
        let (day, male) = if dd > 40 {
            (dd - 40, false)
        } else {
            (dd, true)
        };
        // Applicants are born 1968-1998, so every two-digit year is 19xx.
        NaiveDate::from_ymd_opt(1900 + yy, mm, day).map(|d| (d, male))
    }

    fn nip_birth(nip: &str) -> NaiveDate {
        NaiveDate::parse_from_str(&nip[..8], "%Y%m%d").expect("nip birth date")
    }

    #[test]
    fn nik_and_nip_match_birth_date_and_sex() {
        for seed in 0..500 {
            let p = person(seed);
            assert_eq!(p.nik.len(), 16, "{p:?}");
            assert_eq!(p.nip.len(), 18, "{p:?}");
            assert!(
                p.nik
                    .bytes()
                    .chain(p.nip.bytes())
                    .all(|b| b.is_ascii_digit())
            );
            assert_eq!(&p.nik[..4], p.ktp_regency_code);
            assert_ne!(&p.nik[12..], "0000");
            let (date, male) = nik_birth(&p.nik).expect("valid nik date");
            assert_eq!(date, p.birth_date);
            assert_eq!(male, p.sex == "LAKI-LAKI");
            assert_eq!(nip_birth(&p.nip), p.birth_date);
            assert_eq!(&p.nip[14..15], if male { "1" } else { "2" });
            assert!((1968..=1998).contains(&p.birth_date.year()));
            let appointed: i32 = p.nip[8..12].parse().unwrap();
            let age = appointed - p.birth_date.year();
            assert!((22..=35).contains(&age), "{p:?}");
            if p.nip.as_bytes()[12] == b'2' {
                assert!((2021..=2024).contains(&appointed), "pppk {p:?}");
            } else {
                let month: u32 = p.nip[12..14].parse().unwrap();
                assert!((1..=12).contains(&month), "{p:?}");
            }
        }
    }

    #[test]
    fn names_are_consistent() {
        for seed in 0..300 {
            let p = person(seed);
            assert!(!p.name_on_ktp.contains('.'), "{p:?}");
            assert_eq!(p.name_on_ktp, p.name_on_ktp.to_uppercase());
            assert_eq!(
                bare_name(&p.name).replace('.', "").to_uppercase(),
                p.name_on_ktp
            );
            assert!(p.email.ends_with("@gorontalokab.go.id"));
            assert!(p.email.is_ascii() && !p.email.contains(' '));
            assert_eq!(p.phone.len(), 12);
        }
    }

    #[test]
    fn origin_is_mostly_home() {
        let home = (0..1000)
            .filter(|&s| person(s).ktp_regency_code == HOME_REGENCY)
            .count();
        assert!((780..=920).contains(&home), "{home}");
        let spec = Spec {
            origin: Origin::Elsewhere,
            moh: None,
        };
        assert!((0..50).all(|s| generate(s, spec).ktp_regency_code != HOME_REGENCY));
    }

    #[test]
    fn degree_helpers() {
        assert_eq!(degree_of("Rahmat Lamato, S.Kep., Ns."), ("", "S.Kep., Ns."));
        assert_eq!(degree_of("dr. Siti Abas"), ("dr.", ""));
        assert_eq!(bare_name("dr. Siti Abas"), "Siti Abas");
        assert_eq!(bare_name("Moh. Rizal Pakaya, S.T."), "Moh. Rizal Pakaya");
    }
}
