//! Log template mining: records to signatures with stable ids.
//!
//! Interim version on main until the miner lands: tokens holding a digit
//! become `<*>`.

use serde::Serialize;

pub struct Mined {
    pub assignment: Vec<u32>,
    pub templates: Vec<Template>,
}

#[derive(Serialize, Clone, Debug)]
pub struct Template {
    pub id: String,
    pub text: String,
    pub count: u64,
    pub params: Vec<ParamStats>,
}

#[derive(Serialize, Clone, Debug)]
pub struct ParamStats {
    pub distinct: u64,
    pub top: String,
    pub top_count: u64,
}

pub fn mine(messages: &[&str]) -> Mined {
    let mut ids: std::collections::BTreeMap<String, u32> = Default::default();
    let mut texts = Vec::new();
    let assignment = messages
        .iter()
        .map(|m| {
            let t: Vec<&str> = m
                .split_whitespace()
                .map(|w| {
                    if w.bytes().any(|b| b.is_ascii_digit()) {
                        "<*>"
                    } else {
                        w
                    }
                })
                .collect();
            let t = t.join(" ");
            let n = ids.len() as u32;
            *ids.entry(t.clone()).or_insert_with(|| {
                texts.push(t);
                n
            })
        })
        .collect::<Vec<u32>>();
    let mut templates: Vec<Template> = texts
        .into_iter()
        .map(|text| Template {
            id: format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes())),
            text,
            count: 0,
            params: vec![],
        })
        .collect();
    for &a in &assignment {
        templates[a as usize].count += 1;
    }
    Mined {
        assignment,
        templates,
    }
}

/// Interim CLI until the miner lands.
pub fn cli(
    path: &std::path::Path,
    _jsonl: bool,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<i32> {
    let msgs = crate::logs::read_messages(path)?;
    let refs: Vec<&str> = msgs.iter().map(|(_, m)| m.as_str()).collect();
    let mined = mine(&refs);
    for ((n, _), &a) in msgs.iter().zip(&mined.assignment) {
        let t = &mined.templates[a as usize];
        let row = serde_json::json!({"line": n, "template_id": t.id, "template": t.text});
        writeln!(out, "{row}")?;
    }
    Ok(0)
}
