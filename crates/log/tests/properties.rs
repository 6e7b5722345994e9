//! Property tests: invariants that hold for any input, beside the oracle comparisons.

use proptest::prelude::*;
use supervisor_log::{
    BEGIN_TOKEN, END_TOKEN, OutputSplitter, Piece, RotatingFile, read_log, strip_ansi, tail_log,
};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Rotation moves bytes between files but never loses, duplicates or reorders them
    /// while there are enough backups; every backup reached `maxbytes`.
    #[test]
    fn rotation_conserves_bytes(
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..40), 1..40),
        maxbytes in 1u64..64,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.log");
        let backups = 2000;
        let mut file = RotatingFile::open(&path, maxbytes, backups).unwrap();
        for chunk in &chunks {
            file.write(chunk).unwrap();
        }
        let mut all = Vec::new();
        for n in (1..=backups).rev() {
            if let Ok(data) = std::fs::read(file.backup_path(n)) {
                prop_assert!(data.len() as u64 >= maxbytes);
                all.extend_from_slice(&data);
            }
        }
        let current = std::fs::read(&path).unwrap();
        prop_assert!((current.len() as u64) < maxbytes);
        all.extend_from_slice(&current);
        prop_assert_eq!(all, chunks.concat());
    }

    /// Without tokens in sight the splitter passes everything through, in order, however
    /// the output is chunked (what it holds back comes out at `finish`).
    #[test]
    fn splitter_without_tokens_is_transparent(
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>().prop_filter("no <", |b| *b != b'<'), 0..60), 0..20),
        maxbytes in 0usize..100,
    ) {
        let mut splitter = OutputSplitter::new(maxbytes, false);
        let mut pieces = Vec::new();
        for chunk in &chunks {
            splitter.feed(chunk, &mut pieces);
        }
        splitter.finish(&mut pieces);
        let mut out = Vec::new();
        for piece in pieces {
            match piece {
                Piece::Output(data) => out.extend_from_slice(&data),
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }
        prop_assert_eq!(out, chunks.concat());
    }

    /// A capture between tokens comes out as one event holding what was between them.
    #[test]
    fn a_capture_is_reported_whole(
        before in "[a-z ]{0,30}",
        inside in "[a-z ]{0,30}",
        after in "[a-z ]{30,40}",
        cut in 0usize..200,
    ) {
        let mut input = before.clone().into_bytes();
        input.extend_from_slice(BEGIN_TOKEN);
        input.extend_from_slice(inside.as_bytes());
        input.extend_from_slice(END_TOKEN);
        input.extend_from_slice(after.as_bytes());
        let cut = cut.min(input.len());
        let mut splitter = OutputSplitter::new(1000, false);
        let mut pieces = Vec::new();
        splitter.feed(&input[..cut], &mut pieces);
        splitter.feed(&input[cut..], &mut pieces);
        splitter.finish(&mut pieces);
        let events: Vec<Piece> = pieces
            .iter()
            .filter(|p| matches!(p, Piece::CommEvent(_)))
            .cloned()
            .collect();
        prop_assert_eq!(events, vec![Piece::CommEvent(inside.clone().into_bytes())]);
        let captured: Vec<u8> = pieces.iter().filter_map(|p| match p {
            Piece::Captured(d) => Some(d.clone()),
            _ => None,
        }).collect::<Vec<_>>().concat();
        prop_assert_eq!(captured, inside.into_bytes());
        let output: Vec<u8> = pieces.iter().filter_map(|p| match p {
            Piece::Output(d) => Some(d.clone()),
            _ => None,
        }).collect::<Vec<_>>().concat();
        prop_assert_eq!(output, format!("{before}{after}").into_bytes());
    }

    /// Stripping never grows the data and is the identity without `ESC [`.
    #[test]
    fn strip_ansi_shrinks(data in prop::collection::vec(any::<u8>(), 0..200)) {
        let stripped = strip_ansi(&data);
        prop_assert!(stripped.len() <= data.len());
        if !data.windows(2).any(|w| w == b"\x1b[") {
            prop_assert_eq!(&stripped[..], &data[..]);
        }
    }

    /// Reads return a slice of the file; tails always answer the file's size as offset
    /// and at most `length` bytes, always a suffix of the file.
    #[test]
    fn reads_and_tails_are_slices(
        data in prop::collection::vec(any::<u8>(), 0..100),
        offset in -150i64..150,
        length in -20i64..150,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.log");
        std::fs::write(&path, &data).unwrap();
        if let Ok(read) = read_log(&path, offset, length) {
            prop_assert!(data.windows(read.len().max(1)).any(|w| w == &read[..]) || read.is_empty());
        }
        let tail = tail_log(&path, offset, length);
        prop_assert_eq!(tail.offset, data.len() as i64);
        prop_assert!(tail.bytes.len() as i64 <= length.max(0));
        prop_assert!(data.ends_with(&tail.bytes));
    }
}
