//! Merging keys into templates: values without digits (user names, host
//! names, `null`) survive masking, so two keys of the same length that differ
//! in one position may be one template. A position becomes `<*>` for a set of
//! keys equal everywhere else when the set shows at least [`MIN_DISTINCT`]
//! different tokens there, or when one of them already holds `<*>` there.
//! Two keys that differ in one word only (`opened` / `closed`) stay apart.
//! The rule runs to a fixed point and never looks at arrival order, so the
//! result depends only on the set of keys.

use std::collections::BTreeMap;

/// How many different tokens at one position make it a variable.
pub const MIN_DISTINCT: usize = 3;

const WILD: &str = "<*>";

/// Merges `keys` (space-separated tokens) and returns, for each key, the
/// index of its template in the returned list of template token vectors.
/// Templates come out sorted by their text.
pub fn merge(keys: &[&str]) -> (Vec<u32>, Vec<Vec<String>>) {
    let mut by_len: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let toks: Vec<Vec<&str>> = keys.iter().map(|k| k.split(' ').collect()).collect();
    for (i, t) in toks.iter().enumerate() {
        by_len.entry(t.len()).or_default().push(i);
    }
    let mut texts: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
    for members in by_len.values() {
        for (tpl, ks) in merge_bucket(&toks, members) {
            texts.entry(tpl).or_default().extend(ks);
        }
    }
    let mut assign = vec![0u32; keys.len()];
    let mut out = Vec::with_capacity(texts.len());
    for (ti, (tpl, ks)) in texts.into_iter().enumerate() {
        for k in ks {
            assign[k] = ti as u32;
        }
        out.push(tpl);
    }
    (assign, out)
}

/// One bucket of keys with the same token count.
fn merge_bucket(toks: &[Vec<&str>], members: &[usize]) -> Vec<(Vec<String>, Vec<usize>)> {
    let mut cur: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
    for &m in members {
        let t = toks[m].iter().map(|s| s.to_string()).collect();
        cur.entry(t).or_default().push(m);
    }
    let n = toks[members[0]].len();
    loop {
        let mut changed = false;
        for p in 0..n {
            if let Some(next) = merge_position(&cur, p) {
                cur = next;
                changed = true;
            }
        }
        if !changed {
            return cur.into_iter().collect();
        }
    }
}

/// Wildcards position `p` where the rule allows; `None` when nothing moved.
fn merge_position(
    cur: &BTreeMap<Vec<String>, Vec<usize>>,
    p: usize,
) -> Option<BTreeMap<Vec<String>, Vec<usize>>> {
    // Templates equal except at p, keyed by the rest.
    let mut rest: BTreeMap<Vec<&str>, Vec<&Vec<String>>> = BTreeMap::new();
    for t in cur.keys() {
        let mut r: Vec<&str> = t.iter().map(String::as_str).collect();
        r[p] = WILD;
        rest.entry(r).or_default().push(t);
    }
    let mut moved = false;
    let mut next: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
    for group in rest.values() {
        for (t, to) in group.iter().zip(targets(group, p)) {
            let mut t2 = (*t).clone();
            if let Some(tok) = to {
                moved |= tok != t[p];
                t2[p] = tok;
            }
            next.entry(t2).or_default().extend(&cur[*t]);
        }
    }
    moved.then_some(next)
}

/// What each token at `p` of a group (templates equal except at `p`)
/// becomes (`None`: stays): `<*>` for all when the rule holds, else tokens
/// that differ only by an empty value (`()` and `(<*>)`) become the one
/// with the value.
fn targets(group: &[&Vec<String>], p: usize) -> Vec<Option<String>> {
    if group.len() < 2 {
        return vec![None; group.len()];
    }
    let has_wild = group.iter().any(|t| t[p] == WILD);
    let consts = group[0]
        .iter()
        .enumerate()
        .filter(|(i, t)| *i != p && *t != WILD)
        .count();
    let wilds = group[0].len() - consts;
    if (has_wild || group.len() >= MIN_DISTINCT) && consts > wilds {
        return vec![Some(WILD.to_string()); group.len()];
    }
    let with_value = |bare: &str| {
        group
            .iter()
            .map(|t| &t[p])
            .filter(|o| o.contains(WILD) && o.replace(WILD, "") == bare)
            .min()
            .cloned()
    };
    group
        .iter()
        .map(|t| with_value(&t[p].replace(WILD, "")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_merge_but_two_verbs_do_not() {
        let keys = [
            "Invalid user admin from <*>",
            "Invalid user test from <*>",
            "Invalid user oracle from <*>",
            "session opened for user root",
            "session closed for user root",
        ];
        let (assign, tpls) = merge(&keys);
        let texts: Vec<String> = tpls.iter().map(|t| t.join(" ")).collect();
        assert_eq!(assign[0], assign[1]);
        assert_eq!(assign[1], assign[2]);
        assert_ne!(assign[3], assign[4]);
        assert!(texts.contains(&"Invalid user <*> from <*>".to_string()));
    }

    #[test]
    fn existing_wildcard_absorbs_a_constant() {
        let keys = ["a <*> b", "a x b"];
        let (assign, tpls) = merge(&keys);
        assert_eq!(assign[0], assign[1]);
        assert_eq!(tpls.len(), 1);
    }
}
