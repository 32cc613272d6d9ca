//! Hashtags from captions: Unicode-aware (`#café`, `#東京`), case-folded, first occurrence kept.

/// The hashtags of `caption`, lowercased, without `#`, in order of first appearance.
pub fn parse(caption: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    let mut prev: Option<char> = None;
    let mut chars = caption.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        // A tag starts at '#' not glued to a word before it ("a#b" and "&#39;" are no tags).
        let starts = c == '#' && !prev.is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '&');
        prev = Some(c);
        if !starts {
            continue;
        }
        let body_start = i + 1;
        let mut end = body_start;
        while let Some(&(j, d)) = chars.peek() {
            if d.is_alphanumeric() || d == '_' || is_joiner(d) {
                end = j + d.len_utf8();
                prev = Some(d);
                chars.next();
            } else {
                break;
            }
        }
        let tag = caption[body_start..end].to_lowercase();
        // Instagram ignores all-digit tags; an empty one is just a '#'.
        if !tag.is_empty() && !tag.chars().all(|c| c.is_ascii_digit()) && !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    tags
}

/// Combining marks (as in decomposed "é") and zero-width joiners belong inside a word.
fn is_joiner(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}' | '\u{200D}' | '\u{3099}' | '\u{309A}'
    )
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn plain_tags_in_order_without_duplicates() {
        assert_eq!(
            parse("Sunset #Travel #beach and #travel again"),
            ["travel", "beach"]
        );
    }

    #[test]
    fn unicode_tags_are_kept_whole_and_folded() {
        assert_eq!(
            parse("Kaffee #Café im #東京 #ÜBER_alles"),
            ["café", "東京", "über_alles"]
        );
        assert_eq!(parse("#cafe\u{301}"), ["cafe\u{301}"]);
    }

    #[test]
    fn punctuation_ends_a_tag_and_glued_hashes_are_not_tags() {
        assert_eq!(
            parse("#one,#two.#three!\n#four"),
            ["one", "two", "three", "four"]
        );
        assert_eq!(parse("mail me: a#b, it&#39;s"), Vec::<String>::new());
        assert_eq!(parse("#1 #2024 # #ok2024"), ["ok2024"]);
        assert_eq!(parse("emoji 🎉#party🎉"), ["party"]);
    }
}
