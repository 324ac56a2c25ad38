//! The words dates are written with: month names in the major languages, English weekday names,
//! time zone abbreviations, and the labels that mark a date as an update.

use chrono::FixedOffset;

/// Month names, full and usual short forms, per language (lowercase; each list January first).
/// Slavic and Baltic languages write the day's month in the genitive (`11 мая 2020`, `11 maja
/// 2020`), which are the forms listed; Finnish the partitive (`11. toukokuuta 2020`).
const MONTHS: &[[&str; 12]] = &[
    // en
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ],
    [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ],
    // de
    [
        "januar",
        "februar",
        "märz",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "dezember",
    ],
    [
        "jänner", "feber", "mrz", "apr", "mai", "jun", "jul", "aug", "sept", "okt", "nov", "dez",
    ],
    // fr
    [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    [
        "janv", "févr", "mars", "avr", "mai", "juin", "juil", "aout", "sept", "oct", "nov", "déc",
    ],
    // es
    [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    [
        "ene",
        "feb",
        "mar",
        "abr",
        "may",
        "jun",
        "jul",
        "ago",
        "setiembre",
        "oct",
        "nov",
        "dic",
    ],
    // it
    [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ],
    [
        "gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic",
    ],
    // pt
    [
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ],
    [
        "jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez",
    ],
    // nl
    [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    // sv, da, nb
    [
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ],
    [
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ],
    [
        "januar",
        "februar",
        "mars",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "desember",
    ],
    // fi (partitive)
    [
        "tammikuuta",
        "helmikuuta",
        "maaliskuuta",
        "huhtikuuta",
        "toukokuuta",
        "kesäkuuta",
        "heinäkuuta",
        "elokuuta",
        "syyskuuta",
        "lokakuuta",
        "marraskuuta",
        "joulukuuta",
    ],
    // pl (genitive)
    [
        "stycznia",
        "lutego",
        "marca",
        "kwietnia",
        "maja",
        "czerwca",
        "lipca",
        "sierpnia",
        "września",
        "października",
        "listopada",
        "grudnia",
    ],
    // cs (genitive)
    [
        "ledna",
        "února",
        "března",
        "dubna",
        "května",
        "června",
        "července",
        "srpna",
        "září",
        "října",
        "listopadu",
        "prosince",
    ],
    // ru (genitive, nominative)
    [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ],
    [
        "январь",
        "февраль",
        "март",
        "апрель",
        "май",
        "июнь",
        "июль",
        "август",
        "сентябрь",
        "октябрь",
        "ноябрь",
        "декабрь",
    ],
    // uk (genitive)
    [
        "січня",
        "лютого",
        "березня",
        "квітня",
        "травня",
        "червня",
        "липня",
        "серпня",
        "вересня",
        "жовтня",
        "листопада",
        "грудня",
    ],
    // tr
    [
        "ocak", "şubat", "mart", "nisan", "mayıs", "haziran", "temmuz", "ağustos", "eylül", "ekim",
        "kasım", "aralık",
    ],
    // id, ms
    [
        "januari",
        "februari",
        "maret",
        "april",
        "mei",
        "juni",
        "juli",
        "agustus",
        "september",
        "oktober",
        "november",
        "desember",
    ],
    // ro
    [
        "ianuarie",
        "februarie",
        "martie",
        "aprilie",
        "mai",
        "iunie",
        "iulie",
        "august",
        "septembrie",
        "octombrie",
        "noiembrie",
        "decembrie",
    ],
    // hu
    [
        "január",
        "február",
        "március",
        "április",
        "május",
        "június",
        "július",
        "augusztus",
        "szeptember",
        "október",
        "november",
        "december",
    ],
    // el (genitive)
    [
        "ιανουαρίου",
        "φεβρουαρίου",
        "μαρτίου",
        "απριλίου",
        "μαΐου",
        "ιουνίου",
        "ιουλίου",
        "αυγούστου",
        "σεπτεμβρίου",
        "οκτωβρίου",
        "νοεμβρίου",
        "δεκεμβρίου",
    ],
];

/// The month (1-12) a word names in any of the languages above (case-insensitive, a trailing
/// `.` ignored), English `sept` included.
pub(crate) fn month(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_lowercase();
    if w == "sept" {
        return Some(9);
    }
    let mut found = None;
    for names in MONTHS {
        if let Some(i) = names.iter().position(|n| *n == w) {
            let m = u32::try_from(i).ok()? + 1;
            if found.is_some_and(|f| f != m) {
                return None; // two languages disagree: not a month name to trust
            }
            found = Some(m);
        }
    }
    found
}

/// English weekday names (full and three-letter), Monday first: 0..7.
pub(crate) fn weekday(word: &str) -> Option<u32> {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    let i = DAYS
        .iter()
        .position(|d| *d == w || (w.len() == 3 && d.starts_with(w.as_str())))?;
    u32::try_from(i).ok()
}

/// Time zone abbreviations real pages write, with their offsets in minutes east of UTC. Where an
/// abbreviation is ambiguous the sense news sites use is kept: `CST` and `EST` are North
/// American (as in RFC 2822), `IST` India's, `BST` British Summer Time.
const ZONES: &[(&str, i32)] = &[
    ("UTC", 0),
    ("UT", 0),
    ("GMT", 0),
    ("Z", 0),
    ("WET", 0),
    ("WEST", 60),
    ("BST", 60),
    ("CET", 60),
    ("MET", 60),
    ("CEST", 120),
    ("MEST", 120),
    ("EET", 120),
    ("EEST", 180),
    ("MSK", 180),
    ("IST", 330),
    ("PKT", 300),
    ("ICT", 420),
    ("WIB", 420),
    ("HKT", 480),
    ("SGT", 480),
    ("PHT", 480),
    ("AWST", 480),
    ("JST", 540),
    ("KST", 540),
    ("ACST", 570),
    ("ACDT", 630),
    ("AEST", 600),
    ("AEDT", 660),
    ("NZST", 720),
    ("NZDT", 780),
    ("HST", -600),
    ("AKST", -540),
    ("AKDT", -480),
    ("PST", -480),
    ("PDT", -420),
    ("MST", -420),
    ("MDT", -360),
    ("CST", -360),
    ("CDT", -300),
    ("EST", -300),
    ("EDT", -240),
    ("AST", -240),
    ("ADT", -180),
    ("NST", -210),
    ("NDT", -150),
];

/// The offset of a zone abbreviation (ASCII case-insensitive).
pub(crate) fn zone_abbreviation(word: &str) -> Option<FixedOffset> {
    let (_, minutes) = ZONES.iter().find(|(z, _)| z.eq_ignore_ascii_case(word))?;
    FixedOffset::east_opt(minutes * 60)
}

/// Labels that, just before a date, say it is when the article was updated, not published
/// (lowercase).
const UPDATE_LABELS: &[&str] = &[
    "updated",
    "update:",
    "last modified",
    "modified",
    "edited",
    "aktualisiert",
    "geändert",
    "mis à jour",
    "mise à jour",
    "màj",
    "modifié",
    "actualisé",
    "actualizado",
    "actualización",
    "aggiornato",
    "aggiornamento",
    "atualizado",
    "atualização",
    "bijgewerkt",
    "gewijzigd",
    "uppdaterad",
    "opdateret",
    "oppdatert",
    "päivitetty",
    "zaktualizowano",
    "aktualizacja",
    "aktualizováno",
    "обновлено",
    "обновлен",
    "изменено",
    "оновлено",
    "güncelleme",
    "güncellendi",
    "diperbarui",
    "更新",
];

/// Does `before` (the text just before a date) end with an update label, with at most a few
/// characters (a colon, "on", "at", the day's name) between them?
pub(crate) fn labelled_update(before: &str) -> bool {
    let lower = before.to_lowercase();
    let tail: String = {
        let chars: Vec<char> = lower.chars().collect();
        chars[chars.len().saturating_sub(40)..].iter().collect()
    };
    UPDATE_LABELS.iter().any(|l| tail.contains(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_in_several_languages() {
        for (word, want) in [
            ("March", 3),
            ("oktober", 10),
            ("Okt.", 10),
            ("мая", 5),
            ("décembre", 12),
            ("maja", 5),
            ("Sept", 9),
            ("mayıs", 5),
            ("toukokuuta", 5),
        ] {
            assert_eq!(month(word), Some(want), "{word}");
        }
        assert_eq!(month("today"), None);
        assert_eq!(month("ma"), None);
    }

    #[test]
    fn zones_and_weekdays() {
        assert_eq!(zone_abbreviation("cest"), FixedOffset::east_opt(7200));
        assert_eq!(zone_abbreviation("EDT"), FixedOffset::west_opt(4 * 3600));
        assert_eq!(zone_abbreviation("MSK"), FixedOffset::east_opt(3 * 3600));
        assert_eq!(zone_abbreviation("XYZ"), None);
        assert_eq!(weekday("Tue"), Some(1));
        assert_eq!(weekday("sunday"), Some(6));
    }

    #[test]
    fn update_labels() {
        assert!(labelled_update("Published 2 May · Updated "));
        assert!(labelled_update("Aktualisiert am "));
        assert!(!labelled_update("Published on "));
    }
}
