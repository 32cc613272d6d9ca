//! A PDF read back as text by poppler's `pdftotext` (Debian's `poppler-utils`, which
//! `scripts/tools --test` installs), as any reader would show it.

use std::process::Command;

/// The text of `pdf`, in reading order with its layout kept; `None` (after saying why) when
/// pdftotext is missing and the run does not require it.
pub fn text(pdf: &[u8]) -> Option<String> {
    if Command::new("pdftotext").arg("-v").output().is_err() {
        assert!(
            std::env::var("INSTALYTICS_REQUIRE_PDFTOTEXT").is_err(),
            "INSTALYTICS_REQUIRE_PDFTOTEXT is set but pdftotext is missing"
        );
        eprintln!("SKIPPED: PDF text checks (scripts/tools --test installs poppler-utils)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftotext refused the PDF: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}
