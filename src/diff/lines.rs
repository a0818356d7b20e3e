//! A line diff of two small texts: the lines only one side has, by a
//! longest common subsequence.

/// Changed lines in order: `('-', n, line)` for baseline line `n`,
/// `('+', n, line)` for incident line `n` (1-based). Quadratic in the
/// line counts: for configuration files, which the caller bounds.
pub fn diff<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<(char, usize, &'a str)> {
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: common subsequence length of a[i..] and b[j..].
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if a[i] == b[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j == m || (i < n && lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
            out.push(('-', i + 1, a[i]));
            i += 1;
        } else {
            out.push(('+', j + 1, b[j]));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::diff;

    #[test]
    fn one_setting_changed_and_one_added() {
        let a = ["listen 80;", "worker_connections 512;", "gzip on;"];
        let b = [
            "listen 80;",
            "worker_connections 64;",
            "gzip on;",
            "sendfile on;",
        ];
        assert_eq!(
            diff(&a, &b),
            vec![
                ('-', 2, "worker_connections 512;"),
                ('+', 2, "worker_connections 64;"),
                ('+', 4, "sendfile on;")
            ]
        );
        assert!(diff(&a, &a).is_empty());
    }
}
