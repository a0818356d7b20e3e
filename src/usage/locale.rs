//! Column and row names of `free`, `top` and `vmstat` (procps-ng) and `df`
//! (coreutils) as other locales print them, put back into the English names the readers
//! know. A capture taken on a machine set to German or Chinese is as
//! common in a support bundle as one in English; the numbers are the same.
//!
//! # Limitations
//! The locales checked against real output here (procps-ng 4 and
//! coreutils 9, `top` included, under `LC_ALL=de_DE`, `fr_FR`, `es_ES`, `pt_BR`, `pl_PL`
//! and `zh_CN`; captures in `fixtures/usage/qa/locales/`). Others are
//! refused with the header quoted and "another locale?". Older releases
//! whose translations differ are not known.

/// `df`'s header words in the known locales, phrases of several words
/// before their parts.
const DF: &[(&str, &str)] = &[
    // German
    ("Eingehängt auf", "Mounted on"),
    ("Dateisystem", "Filesystem"),
    ("Typ", "Type"),
    ("1K-Blöcke", "1K-blocks"),
    ("1M-Blöcke", "1M-blocks"),
    ("1024-Blöcke", "1024-blocks"),
    ("Größe", "Size"),
    ("Benutzt", "Used"),
    ("Verf.", "Avail"),
    ("Verfügbar", "Available"),
    ("Verw%", "Use%"),
    ("Kapazität", "Capacity"),
    ("IBenutzt", "IUsed"),
    ("IFrei", "IFree"),
    // French
    ("Sys. de fichiers", "Filesystem"),
    ("Monté sur", "Mounted on"),
    ("blocs de 1K", "1K-blocks"),
    ("blocs de 1M", "1M-blocks"),
    ("blocs de 1024", "1024-blocks"),
    ("Taille", "Size"),
    ("Utilisé", "Used"),
    ("Dispo", "Avail"),
    ("Disponible", "Available"),
    ("Uti%", "Use%"),
    ("Capacité", "Capacity"),
    ("Inœuds", "Inodes"),
    ("IUtil.", "IUsed"),
    ("ILibre", "IFree"),
    ("IUti%", "IUse%"),
    // Spanish
    ("S.ficheros", "Filesystem"),
    ("Montado en", "Mounted on"),
    ("bloques de 1K", "1K-blocks"),
    ("bloques de 1M", "1M-blocks"),
    ("bloques de 1024", "1024-blocks"),
    ("Tipo", "Type"),
    ("Tamaño", "Size"),
    ("Usados", "Used"),
    ("Disp", "Avail"),
    ("Disponibles", "Available"),
    ("Uso%", "Use%"),
    ("Capacidad", "Capacity"),
    ("Nodos-i", "Inodes"),
    ("NUsados", "IUsed"),
    ("NLibres", "IFree"),
    ("NUso%", "IUse%"),
    // Brazilian Portuguese
    ("Sist. Arq.", "Filesystem"),
    ("Montado em", "Mounted on"),
    ("Blocos de 1K", "1K-blocks"),
    ("Blocos de 1M", "1M-blocks"),
    ("Blocos de 1024", "1024-blocks"),
    ("Tam.", "Size"),
    ("Usado", "Used"),
    ("Disp.", "Avail"),
    ("Disponível", "Available"),
    ("Capacid.", "Capacity"),
    ("Inós", "Inodes"),
    ("IUsado", "IUsed"),
    ("ILivre", "IFree"),
    ("IUso%", "IUse%"),
    // Polish
    ("System plików", "Filesystem"),
    ("zamont. na", "Mounted on"),
    ("1K-bl", "1K-blocks"),
    ("1M-bl", "1M-blocks"),
    ("1024-bl", "1024-blocks"),
    ("rozm.", "Size"),
    ("użyte", "Used"),
    ("dost.", "Avail"),
    ("dostępne", "Available"),
    ("%uż.", "Use%"),
    ("pojemność", "Capacity"),
    ("iwęzły", "Inodes"),
    ("użyteI", "IUsed"),
    ("wolneI", "IFree"),
    ("%uż.I", "IUse%"),
    // Chinese (simplified)
    ("文件系统", "Filesystem"),
    ("挂载点", "Mounted on"),
    ("类型", "Type"),
    ("1K的块", "1K-blocks"),
    ("1M的块", "1M-blocks"),
    ("1024的块", "1024-blocks"),
    ("大小", "Size"),
    ("已用", "Used"),
    ("可用", "Avail"),
    ("已用%", "Use%"),
    ("容量", "Capacity"),
    ("已用I", "IUsed"),
    ("可用I", "IFree"),
    ("已用I%", "IUse%"),
];

/// `free`'s column names in the known locales (Chinese prints English).
const FREE: &[(&str, &str)] = &[
    // German
    ("gesamt", "total"),
    ("benutzt", "used"),
    ("frei", "free"),
    ("gemns.", "shared"),
    ("gemeins.", "shared"),
    ("Puffer/Cache", "buff/cache"),
    ("Puffer", "buffers"),
    ("Cache", "cache"),
    ("verfügbar", "available"),
    // French
    ("utilisé", "used"),
    ("libre", "free"),
    ("partagé", "shared"),
    ("tampons", "buffers"),
    ("tamp/cache", "buff/cache"),
    ("disponible", "available"),
    // Spanish
    ("usado", "used"),
    ("compartido", "shared"),
    ("búferes", "buffers"),
    ("caché", "cache"),
    ("búf/caché", "buff/cache"),
    // Brazilian Portuguese
    ("usada", "used"),
    ("livre", "free"),
    ("compart.", "shared"),
    ("disponível", "available"),
    // Polish
    ("w cache", "cache"),
    ("razem", "total"),
    ("użyte", "used"),
    ("wolne", "free"),
    ("dzielone", "shared"),
    ("bufory", "buffers"),
    ("buf/cache", "buff/cache"),
    ("dostępne", "available"),
];

/// `free`'s row labels (before the colon) in the known locales.
const FREE_ROWS: &[(&str, &str)] = &[
    ("Speicher", "Mem"),
    ("Niedrig", "Low"),
    ("Hoch", "High"),
    ("Gesamt", "Total"),
    ("Basse", "Low"),
    ("Haute", "High"),
    ("Échange", "Swap"),
    ("Baja", "Low"),
    ("Alta", "High"),
    ("Inter", "Swap"),
    ("Mem.", "Mem"),
    ("Baixa", "Low"),
    ("Pamięć", "Mem"),
    ("Niska", "Low"),
    ("Wysoka", "High"),
    ("Wymiana", "Swap"),
    ("Razem", "Total"),
    ("内存", "Mem"),
    ("低", "Low"),
    ("高", "High"),
    ("交换", "Swap"),
    ("总量", "Total"),
];

/// Words of `top`'s summary lines (tasks, CPU shares, memory) in the
/// known locales, phrases before their parts; German's `Spch` and `avail
/// Spch` too.
const TOP: &[(&str, &str)] = &[
    ("Tâches:", "Tasks:"),
    ("Tareas:", "Tasks:"),
    ("Tarefas:", "Tasks:"),
    ("任务:", "Tasks:"),
    ("en cours", "running"),
    ("en veille", "sleeping"),
    ("arrêté", "stopped"),
    ("em exec.", "running"),
    ("dormindo", "sleeping"),
    ("parado", "stopped"),
    ("zumbi", "zombie"),
    ("dispo Mem", "avail Mem"),
    ("avail mem", "avail Mem"),
    ("avail Spch", "avail Mem"),
    ("dost. RAM", "avail Mem"),
    ("MB mem", "MiB Mem"),
    ("MB swap", "MiB Swap"),
    ("Spch", "Mem"),
    ("RAM", "Mem"),
    ("Éch", "Swap"),
    ("Intercambio", "Swap"),
    ("libr", "free"),
    ("util", "used"),
    ("tamp/cache", "buff/cache"),
    ("razem", "total"),
    ("wolne", "free"),
    ("użyte", "used"),
    ("buf/cache", "buff/cache"),
];

/// CPU shares' two-letter names (French `ut`, Polish `uż be io sk`).
const TOP_CPU: &[(&str, &str)] = &[
    ("%CPU:", "%Cpu(s):"),
    ("ut", "us"),
    ("uż", "us"),
    ("be", "id"),
    ("io", "wa"),
    ("sk", "st"),
];

/// Polish counts tasks as `label: N` (`Zadania:razem:  92, działających:
/// 1, ...`).
const TOP_TASKS_PL: &[(&str, &str)] = &[
    ("razem", "total"),
    ("działających", "running"),
    ("śpiących", "sleeping"),
    ("zatrzymanych", "stopped"),
    ("zombie", "zombie"),
];

/// `top`'s process-table header names in the known locales.
const TOP_COLUMNS: &[(&str, &str)] = &[
    ("进程", "PID"),
    ("UTIL.", "USER"),
    ("USUARIO", "USER"),
    ("UŻYTK.", "USER"),
    ("WIRT", "VIRT"),
    ("REZ", "RES"),
    ("WSP", "SHR"),
    ("%PAM", "%MEM"),
    ("ZEIT+", "TIME+"),
    ("TEMPS+", "TIME+"),
    ("TEMPO+", "TIME+"),
    ("CZAS+", "TIME+"),
    ("BEFEHL", "COMMAND"),
    ("COM.", "COMMAND"),
    ("COMANDO", "COMMAND"),
    ("KOMENDA", "COMMAND"),
];

/// `vmstat`'s column names in the known locales.
const VMSTAT: &[(&str, &str)] = &[
    ("frei", "free"),
    ("Cache", "cache"),
    ("inakt", "inact"),
    ("aktiv", "active"),
    ("libre", "free"),
    ("tampon", "buff"),
    ("actif", "active"),
    ("búf", "buff"),
    ("caché", "cache"),
    ("activo", "active"),
    ("livre", "free"),
    ("inativ", "inact"),
    ("ativo", "active"),
    ("交换", "swpd"),
    ("空闲", "free"),
    ("缓冲", "buff"),
    ("缓存", "cache"),
    ("不活动", "inact"),
    ("活动", "active"),
    ("dz", "r"),
    ("bl", "b"),
    ("swap", "swpd"),
    ("wolna", "free"),
    ("bufor", "buff"),
    ("nieakt", "inact"),
    ("akt", "active"),
    ("uż", "us"),
    ("be", "id"),
    ("io", "wa"),
    ("sk", "st"),
];

/// A `vmstat` column header (`r  b   swpd   free ...`) in English.
pub fn vmstat_header(line: &str) -> String {
    line.split_whitespace()
        .map(|w| english(w, VMSTAT))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `word`'s English name in `table`, or `word` itself.
fn english<'a>(word: &'a str, table: &[(&str, &'static str)]) -> &'a str {
    table
        .iter()
        .find(|(from, _)| *from == word)
        .map_or(word, |(_, to)| to)
}

/// A `top` process-table column name in English.
pub fn top_column(name: &str) -> &str {
    english(name, TOP_COLUMNS)
}

/// `line` with every phrase of `table` that stands between non-word
/// characters (`libr,` and `util.` too) replaced.
fn replace_words(line: &str, table: &[(&str, &str)]) -> String {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut out = String::with_capacity(line.len() + 16);
    let mut i = 0;
    'next: while i < line.len() {
        if !word(line[..i].chars().next_back()) {
            for (from, to) in table {
                if line[i..].starts_with(from) && !word(line[i + from.len()..].chars().next()) {
                    out.push_str(to);
                    i += from.len();
                    continue 'next;
                }
            }
        }
        let c = line[i..].chars().next().expect("in bounds");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// A `top` summary line in English.
pub fn top_summary(line: &str) -> String {
    let l = line.trim_start();
    if let Some(rest) = l.strip_prefix("Zadania:") {
        let parts: Vec<String> = rest
            .split(',')
            .filter_map(|p| {
                let (label, n) = p.split_once(':')?;
                let en = TOP_TASKS_PL.iter().find(|(pl, _)| *pl == label.trim())?.1;
                Some(format!("{} {en}", n.trim()))
            })
            .collect();
        return format!("Tasks: {}", parts.join(", "));
    }
    if l.starts_with("%C") {
        return replace_words(l, TOP_CPU);
    }
    replace_words(l, TOP)
}

/// A `top` process-table header in English: known names replaced, and
/// the state column `S` put back where a translation left it blank
/// (zh_CN prints `SHR    %CPU`, its rows keep the state).
pub fn top_header(line: &str) -> String {
    let mut words: Vec<&str> = line.split_whitespace().map(top_column).collect();
    if let Some(at) = words.windows(2).position(|p| p == ["SHR", "%CPU"]) {
        words.insert(at + 1, "S");
    }
    words.join(" ")
}

/// Words of `line` replaced whole by their English name; spacing becomes
/// one space, which the readers (split on whitespace) do not mind.
fn translate(line: &str, table: &[(&str, &str)]) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    let mut i = 0;
    'next: while i < words.len() {
        for (from, to) in table {
            let n = from.split(' ').count();
            if words.len() - i >= n && from.split(' ').eq(words[i..i + n].iter().copied()) {
                out.push(to);
                i += n;
                continue 'next;
            }
        }
        out.push(words[i]);
        i += 1;
    }
    out.join(" ")
}

/// A `df` header in English, whatever locale printed it.
pub fn df_header(line: &str) -> String {
    translate(line, DF)
}

/// A `free` header in English, whatever locale printed it.
pub fn free_header(line: &str) -> String {
    translate(line, FREE)
}

/// A `free` row label in English.
pub fn free_row(label: &str) -> &str {
    english(label, FREE_ROWS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_headers_read_as_english() {
        assert_eq!(
            df_header("Dateisystem    Typ  1K-Blöcke  Benutzt Verfügbar Verw% Eingehängt auf"),
            "Filesystem Type 1K-blocks Used Available Use% Mounted on"
        );
        assert_eq!(
            free_header("    gesamt  benutzt  frei  gemeins.   Puffer   Cache   verfügbar"),
            "total used free shared buffers cache available"
        );
        assert_eq!(free_row("Speicher"), "Mem");
        assert_eq!(
            vmstat_header("dz bl   swap  wolna  bufor  cache   si   so uż sy be io sk"),
            "r b swpd free buff cache si so us sy id wa st"
        );
        assert_eq!(
            top_summary(
                "MiB Éch :      0,0 total,      0,0 libr,      0,0 util.  23163,5 dispo Mem"
            ),
            "MiB Swap :      0,0 total,      0,0 free,      0,0 used.  23163,5 avail Mem"
        );
        assert_eq!(
            top_summary("Zadania:razem:  92, działających:   1, śpiących:  91, zombie:   0"),
            "Tasks: 92 total, 1 running, 91 sleeping, 0 zombie"
        );
        assert_eq!(
            top_summary("%CPU:     0,0 uż,  0,0 sy,100,0 be,  0,0 io,  0,0 sk"),
            "%Cpu(s):     0,0 us,  0,0 sy,100,0 id,  0,0 wa,  0,0 st"
        );
        // A word that merely starts like a known one is left alone.
        assert_eq!(top_summary("MiB Mem : 1 utility"), "MiB Mem : 1 utility");
        assert_eq!(
            top_header("进程 USER  PR  NI VIRT RES SHR    %CPU  %MEM  TIME+ COMMAND"),
            "PID USER PR NI VIRT RES SHR S %CPU %MEM TIME+ COMMAND"
        );
        assert_eq!(free_row("Swap"), "Swap");
        // English passes through.
        assert_eq!(
            df_header("Filesystem  Size  Used Avail Use% Mounted on"),
            "Filesystem Size Used Avail Use% Mounted on"
        );
    }
}
