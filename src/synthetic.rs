//! Seeded synthetic news corpora with planted duplicates, and their ground
//! truth, for tests, benchmarks and quality measurements.
//!
//! A corpus mixes English, Chinese and mixed-script stories of news
//! length. Planted on top:
//! - *families*: an original story and 1–3 lightly edited reprints (words
//!   swapped, a paragraph dropped or added, a different footer);
//! - *boilerplate*: each outlet closes some of its stories with its footer
//!   (copyright line, newsletter promotion, Chinese source line);
//! - *pasted repeats*: an editor's closing paragraph printed 2–6 times at
//!   the end of a story, in Chinese sometimes once with two extra
//!   characters, as on the real page in `samples/zh/`;
//! - *hard negatives*: stories that quote one paragraph of another story
//!   but are otherwise different.
//!
//! Everything comes from one seed, so a corpus can be rebuilt exactly.

use std::fmt::Write as _;

/// Language mix of a generated story.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Space-separated pseudo-English words.
    English,
    /// Han characters with full-width punctuation.
    Chinese,
    /// Chinese with embedded Latin words and numbers.
    Mixed,
}

/// Generation settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CorpusSpec {
    /// Total documents.
    pub documents: usize,
    /// The seed.
    pub seed: u64,
    /// Share of stories that are originals of a reprinted family.
    pub family_share: f64,
    /// Share of stories closed by their outlet's footer.
    pub footer_share: f64,
    /// Share of stories with a pasted closing paragraph.
    pub pasted_share: f64,
    /// Share of stories that quote a paragraph of an earlier story.
    pub quoting_share: f64,
    /// Which languages to draw from.
    pub languages: &'static [Language],
}

impl CorpusSpec {
    /// The default mix for `documents` stories.
    pub fn new(documents: usize, seed: u64) -> Self {
        CorpusSpec {
            documents,
            seed,
            family_share: 0.08,
            footer_share: 0.5,
            pasted_share: 0.03,
            quoting_share: 0.05,
            languages: &[Language::English, Language::Chinese, Language::Mixed],
        }
    }
}

/// One generated story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticDocument {
    /// Stable id, `doc-000042`.
    pub id: String,
    /// The text: paragraphs separated by blank lines.
    pub text: String,
}

/// What was planted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroundTruth {
    /// Near-duplicate families: document indices, original first.
    pub families: Vec<Vec<usize>>,
    /// `(document, paragraph)` of every planted footer occurrence.
    pub footers: Vec<(usize, usize)>,
    /// `(document, paragraphs)` of every pasted repeated paragraph.
    pub pasted: Vec<(usize, Vec<usize>)>,
    /// Paragraphs that are neither footers nor pasted repeats: the story
    /// text, per document.
    pub story_paragraphs: Vec<Vec<usize>>,
}

/// A generated corpus.
#[derive(Debug, Clone, Default)]
pub struct SyntheticCorpus {
    /// The documents, in order.
    pub documents: Vec<SyntheticDocument>,
    /// What was planted.
    pub truth: GroundTruth,
}

impl SyntheticCorpus {
    /// The corpus as JSONL (`{"id": ..., "text": ...}` per line).
    pub fn to_jsonl(&self) -> String {
        let mut out = String::new();
        for doc in &self.documents {
            let line = serde_json::json!({ "id": doc.id, "text": doc.text });
            let _ = writeln!(out, "{line}");
        }
        out
    }
}

/// Generates a corpus, held in memory with its whole truth.
pub fn generate(spec: &CorpusSpec) -> SyntheticCorpus {
    let mut documents = Vec::with_capacity(spec.documents);
    let truth = Generator::new(spec).run(true, &mut |doc| documents.push(doc));
    SyntheticCorpus { documents, truth }
}

/// Generates the same corpus as [`generate`], handing each document to
/// `sink` as it is made, in memory bounded whatever the size (the quoted
/// stories are the last [`QUOTABLE_STORIES`]). The truth returned has the
/// families, footers and pasted repeats but not `story_paragraphs`, which
/// follow from them and would take a gigabyte at 10 M documents.
pub fn generate_news(spec: &CorpusSpec, mut sink: impl FnMut(SyntheticDocument)) -> GroundTruth {
    Generator::new(spec).run(false, &mut sink)
}

/// Earlier stories a new one may quote a paragraph of: the most recent
/// ones, so that memory stays bounded (a corpus of up to this many
/// documents is the same as when every story was kept).
pub const QUOTABLE_STORIES: usize = 100_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// A Zipf-weighted vocabulary.
struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new(words: Vec<String>) -> Self {
        let mut total = 0.0;
        let cumulative = (1..=words.len())
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        Vocabulary { words, cumulative }
    }

    fn pick(&self, rng: &mut Rng) -> &str {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let target = rng.unit() * total;
        let i = self
            .cumulative
            .partition_point(|&c| c < target)
            .min(self.words.len() - 1);
        &self.words[i]
    }
}

const SYLLABLES: &[&str] = &[
    "ba", "ka", "ta", "ra", "lo", "mi", "ne", "so", "ve", "du", "in", "ar", "el", "on", "is", "ge",
    "po", "fa", "ti", "cu", "an", "er", "st", "th", "pr", "wo", "li", "ma", "de", "re", "co", "se",
    "ha", "gu", "pe", "ly", "or", "ex",
];

fn english_vocabulary(rng: &mut Rng) -> Vocabulary {
    let mut seen = std::collections::HashSet::new();
    let mut words = Vec::new();
    for common in [
        "the", "of", "and", "to", "a", "in", "said", "on", "for", "was", "with", "by", "at", "from",
    ] {
        seen.insert(common.to_owned());
        words.push(common.to_owned());
    }
    while words.len() < 20_000 {
        let syllables = rng.range(1, 4);
        let word: String = (0..syllables)
            .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
            .collect();
        if seen.insert(word.clone()) {
            words.push(word);
        }
    }
    Vocabulary::new(words)
}

fn chinese_vocabulary(rng: &mut Rng) -> Vocabulary {
    // Common simplified characters are spread over the block; sample 3,000.
    let mut seen = std::collections::HashSet::new();
    let mut chars = Vec::new();
    while chars.len() < 3000 {
        let c = char::from_u32(0x4E00 + rng.below(0x9FA5 - 0x4E00) as u32).unwrap_or('中');
        if seen.insert(c) {
            chars.push(c.to_string());
        }
    }
    Vocabulary::new(chars)
}

struct Outlet {
    footer: String,
}

struct Generator<'s> {
    spec: &'s CorpusSpec,
    rng: Rng,
    english: Vocabulary,
    chinese: Vocabulary,
    outlets: Vec<Outlet>,
}

/// A story before it is laid out: its paragraphs and its language.
#[derive(Clone)]
struct Story {
    language: Language,
    paragraphs: Vec<String>,
}

impl<'s> Generator<'s> {
    fn new(spec: &'s CorpusSpec) -> Self {
        let mut rng = Rng(spec.seed ^ 0xC0FF_EE00);
        let english = english_vocabulary(&mut rng);
        let chinese = chinese_vocabulary(&mut rng);
        let outlets = vec![
            Outlet { footer: "© 2026 Harbor Wire Service. All rights reserved. This material may not be published, broadcast, rewritten or redistributed.".into() },
            Outlet { footer: "Sign up for the Morning Ledger newsletter to get the day's most important stories delivered to your inbox every weekday.".into() },
            Outlet { footer: "Reporting by the Metro Desk; additional reporting by the Capitol Bureau. Editing by the Night Desk.".into() },
            Outlet { footer: "本文来源：新华社，版权归原作者所有，转载请注明出处，未经授权不得转载。".into() },
            Outlet { footer: "（责任编辑：王小明　校对：李华）欢迎关注本报微信公众号，获取更多本地新闻资讯。".into() },
            Outlet { footer: "Copyright 2026 The Valley Courier. Distributed by Tribune Content Agency, LLC.".into() },
            Outlet { footer: "更多精彩内容，请下载本报客户端。Download our app for more stories and live updates.".into() },
            Outlet { footer: "If you have a news tip, email the newsroom or call our tip line. We read every message we receive.".into() },
            // Short closing lines are boilerplate too.
            Outlet { footer: "All rights reserved.".into() },
            Outlet { footer: "（完）本报综合报道".into() },
        ];
        Generator {
            spec,
            rng,
            english,
            chinese,
            outlets,
        }
    }

    fn run(
        mut self,
        story_paragraphs: bool,
        sink: &mut dyn FnMut(SyntheticDocument),
    ) -> GroundTruth {
        let mut truth = GroundTruth::default();
        let mut emitted = 0usize;
        let mut stories: std::collections::VecDeque<Story> = Default::default();
        let remember = |stories: &mut std::collections::VecDeque<Story>, story: Story| {
            if stories.len() == QUOTABLE_STORIES {
                stories.pop_front();
            }
            stories.push_back(story);
        };
        while emitted < self.spec.documents {
            let index = emitted;
            let story = if index > 0 && self.rng.chance(self.spec.quoting_share) {
                let quoted = &stories[self.rng.below(stories.len())];
                let mut story = self.story();
                if quoted.language == story.language {
                    let paragraph =
                        quoted.paragraphs[self.rng.below(quoted.paragraphs.len())].clone();
                    let at = self.rng.below(story.paragraphs.len());
                    story.paragraphs.insert(at, paragraph);
                }
                story
            } else {
                self.story()
            };
            let mut family = vec![index];
            let document = self.emit(index, &mut truth, story_paragraphs, &story);
            sink(document);
            emitted += 1;
            remember(&mut stories, story.clone());
            if self.rng.chance(self.spec.family_share) {
                let copies = self.rng.range(1, 3);
                for _ in 0..copies {
                    if emitted >= self.spec.documents {
                        break;
                    }
                    let reprint = self.edit(&story);
                    family.push(emitted);
                    let document = self.emit(emitted, &mut truth, story_paragraphs, &reprint);
                    sink(document);
                    emitted += 1;
                    remember(&mut stories, reprint);
                }
            }
            if family.len() > 1 {
                truth.families.push(family);
            }
        }
        truth
    }

    fn language(&mut self) -> Language {
        self.spec.languages[self.rng.below(self.spec.languages.len())]
    }

    fn story(&mut self) -> Story {
        let language = self.language();
        let count = self.rng.range(4, 10);
        let paragraphs = (0..count).map(|_| self.paragraph(language)).collect();
        Story {
            language,
            paragraphs,
        }
    }

    fn paragraph(&mut self, language: Language) -> String {
        let mut text = String::new();
        match language {
            Language::English => {
                let words = self.rng.range(25, 70);
                for i in 0..words {
                    let word = self.english.pick(&mut self.rng).to_owned();
                    if i == 0 {
                        let mut chars = word.chars();
                        if let Some(first) = chars.next() {
                            text.extend(first.to_uppercase());
                            text.push_str(chars.as_str());
                        }
                    } else {
                        text.push(' ');
                        text.push_str(&word);
                    }
                    if i + 1 < words && self.rng.chance(0.06) {
                        text.push(',');
                    }
                }
                text.push('.');
            }
            Language::Chinese | Language::Mixed => {
                let chars = self.rng.range(60, 180);
                for i in 0..chars {
                    if language == Language::Mixed && self.rng.chance(0.03) {
                        text.push_str(&self.english.pick(&mut self.rng).to_uppercase());
                    }
                    text.push_str(self.chinese.pick(&mut self.rng));
                    if i + 1 < chars && self.rng.chance(0.06) {
                        text.push('，');
                    }
                }
                text.push('。');
            }
        }
        text
    }

    /// A light edit for a reprint.
    fn edit(&mut self, story: &Story) -> Story {
        let mut paragraphs = story.paragraphs.clone();
        if paragraphs.len() > 5 && self.rng.chance(0.3) {
            let last_story = paragraphs.len() - 1;
            paragraphs.remove(self.rng.below(last_story));
        }
        let edits = self.rng.range(1, 3);
        for _ in 0..edits {
            let p = self.rng.below(paragraphs.len());
            paragraphs[p] = self.swap_token(&paragraphs[p], story.language);
        }
        if self.rng.chance(0.2) {
            let short = self.short_paragraph(story.language);
            paragraphs.insert(self.rng.below(paragraphs.len() + 1), short);
        }
        Story {
            language: story.language,
            paragraphs,
        }
    }

    /// A reprint as newsrooms make them: shortened, extended or edited.
    fn reprint(&mut self, story: &Story) -> Story {
        let mut paragraphs = story.paragraphs.clone();
        let n = paragraphs.len();
        let roll = self.rng.unit();
        if roll < 0.5 {
            let share = 0.4 + 0.5 * self.rng.unit();
            let keep = ((n as f64 * share).ceil() as usize).clamp(2, n - 1);
            if self.rng.chance(0.7) {
                paragraphs.truncate(keep);
            } else {
                for _ in keep..n {
                    paragraphs.remove(self.rng.below(paragraphs.len()));
                }
            }
        } else if roll < 0.83 {
            for _ in 0..self.rng.range(1, 3) {
                let added = self.paragraph(story.language);
                match self.rng.chance(0.5) {
                    true => paragraphs.push(added),
                    false => paragraphs.insert(self.rng.below(paragraphs.len() + 1), added),
                }
            }
        } else {
            let p = self.rng.below(paragraphs.len());
            paragraphs[p] = self.swap_token(&paragraphs[p], story.language);
        }
        if self.rng.chance(0.2) {
            let p = self.rng.below(paragraphs.len());
            paragraphs[p] = self.swap_token(&paragraphs[p], story.language);
        }
        Story {
            language: story.language,
            paragraphs,
        }
    }

    fn swap_token(&mut self, paragraph: &str, language: Language) -> String {
        match language {
            Language::English => {
                let mut words: Vec<String> = paragraph.split(' ').map(str::to_owned).collect();
                let at = self.rng.below(words.len());
                words[at] = self.english.pick(&mut self.rng).to_owned();
                words.join(" ")
            }
            Language::Chinese | Language::Mixed => {
                let mut chars: Vec<char> = paragraph.chars().collect();
                let at = self.rng.below(chars.len());
                chars[at] = self
                    .chinese
                    .pick(&mut self.rng)
                    .chars()
                    .next()
                    .unwrap_or('中');
                chars.into_iter().collect()
            }
        }
    }

    fn short_paragraph(&mut self, language: Language) -> String {
        let p = self.paragraph(language);
        let cut: String = p.chars().take(40).collect();
        cut
    }

    /// Lays out a story as document `index` of one outlet, with footer and
    /// pasted repeats, and records the truth.
    fn emit(
        &mut self,
        index: usize,
        truth: &mut GroundTruth,
        record_story_paragraphs: bool,
        story: &Story,
    ) -> SyntheticDocument {
        let mut paragraphs = story.paragraphs.clone();
        let story_paragraphs: Vec<usize> = (0..paragraphs.len()).collect();
        if self.rng.chance(self.spec.pasted_share) {
            let closing = self.paragraph(story.language);
            let times = self.rng.range(2, 6);
            let mut at = Vec::new();
            for copy in 0..times {
                at.push(paragraphs.len());
                // As on the real page: once with two extra characters.
                if copy == 0 && story.language != Language::English && self.rng.chance(0.5) {
                    paragraphs.push(insert_two_chars(&closing));
                } else {
                    paragraphs.push(closing.clone());
                }
            }
            truth.pasted.push((index, at));
        }
        if self.rng.chance(self.spec.footer_share) {
            let outlet = self.rng.below(self.outlets.len());
            truth.footers.push((index, paragraphs.len()));
            paragraphs.push(self.outlets[outlet].footer.clone());
        }
        if record_story_paragraphs {
            truth.story_paragraphs.push(story_paragraphs);
        }
        SyntheticDocument {
            id: format!("doc-{index:06}"),
            text: paragraphs.join("\n\n") + "\n",
        }
    }
}

/// Settings for the long-document shape: a book, a court record or a whole
/// newspaper issue kept as one document and stored several times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LongSpec {
    /// Distinct long documents.
    pub originals: usize,
    /// Fewest and most paragraphs of one (drawn evenly between).
    pub paragraphs: (usize, usize),
    /// Fewest and most copies stored of each, original included.
    pub copies: (usize, usize),
    /// Share of copies lightly edited (words changed in a few paragraphs,
    /// a paragraph dropped).
    pub edited_share: f64,
    /// Short unrelated stories added after the long documents.
    pub short_documents: usize,
    /// The seed.
    pub seed: u64,
}

impl LongSpec {
    /// `originals` documents of 1,000 to 50,000 paragraphs, each stored
    /// two to five times, half the copies edited, and 50 short stories.
    pub fn new(originals: usize, seed: u64) -> Self {
        LongSpec {
            originals,
            paragraphs: (1_000, 50_000),
            copies: (2, 5),
            edited_share: 0.5,
            short_documents: 50,
            seed,
        }
    }
}

/// Settings for the boilerplate-heavy shape: web pages or licence files
/// whose paragraphs are mostly drawn from a shared pool of passages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoilerplateSpec {
    /// Total documents.
    pub documents: usize,
    /// Passages in the shared pool (licence texts, navigation, legal
    /// notices, disclaimers).
    pub pool: usize,
    /// Fewest and most paragraphs of a document.
    pub paragraphs: (usize, usize),
    /// Share of a document's paragraphs that are its own story.
    pub story_share: f64,
    /// Share of documents reprinted once (same story, edited in a word,
    /// under other boilerplate).
    pub family_share: f64,
    /// The seed.
    pub seed: u64,
}

impl BoilerplateSpec {
    /// `documents` of 100 to 400 paragraphs, 15% story, drawn from a pool
    /// of 3,000 passages; 5% of them reprinted.
    pub fn new(documents: usize, seed: u64) -> Self {
        BoilerplateSpec {
            documents,
            pool: 3_000,
            paragraphs: (100, 400),
            story_share: 0.15,
            family_share: 0.05,
            seed,
        }
    }
}

/// Generates the wire shape: `documents` stories in English and Chinese,
/// each opened by a dateline paragraph (`LONDON`, `（北京）`), with
/// one-word quotes in some bodies (`No.`, `好。`), and most
/// closed by their agency's end marker (`Reuter`, `-30-`, `###`, `(END)`,
/// `Ends`, `— AP`, `（完）`). Each document goes to `sink` as it is made;
/// the end markers' prints are returned in `footers`, every other
/// paragraph (datelines and one-word body paragraphs included) in
/// `story_paragraphs`.
pub fn generate_wire(
    documents: usize,
    seed: u64,
    mut sink: impl FnMut(SyntheticDocument),
) -> GroundTruth {
    const ENGLISH_MARKERS: &[&str] = &["Reuter", "-30-", "###", "(END)", "Ends", "— AP"];
    const DATELINES: &[&str] = &["LONDON", "WASHINGTON", "NAIROBI", "SYDNEY", "Paris"];
    const ZH_DATELINES: &[&str] = &["（北京）", "（上海）", "（长沙）"];
    // One-word quotes: the story's own text, however often they recur.
    const BODY_WORDS: &[&str] = &["No.", "Why?", "Yes.", "好。"];
    let news = CorpusSpec::new(0, seed);
    let mut generator = Generator::new(&news);
    let mut truth = GroundTruth::default();
    for index in 0..documents {
        let chinese = generator.rng.chance(0.3);
        let language = if chinese {
            Language::Chinese
        } else {
            Language::English
        };
        let mut paragraphs = vec![
            match chinese {
                true => ZH_DATELINES[generator.rng.below(ZH_DATELINES.len())],
                false => DATELINES[generator.rng.below(DATELINES.len())],
            }
            .to_owned(),
        ];
        for _ in 0..generator.rng.range(3, 8) {
            paragraphs.push(generator.paragraph(language));
            if generator.rng.chance(0.15) {
                paragraphs.push(BODY_WORDS[generator.rng.below(BODY_WORDS.len())].to_owned());
            }
        }
        let mut story: Vec<usize> = (0..paragraphs.len()).collect();
        if generator.rng.chance(0.9) {
            truth.footers.push((index, paragraphs.len()));
            paragraphs.push(match chinese {
                true => "（完）".to_owned(),
                false => ENGLISH_MARKERS[generator.rng.below(ENGLISH_MARKERS.len())].to_owned(),
            });
        } else if generator.rng.chance(0.5) {
            // A one-word paragraph as the last of the story's own: a quote.
            story.push(paragraphs.len());
            paragraphs.push(BODY_WORDS[generator.rng.below(BODY_WORDS.len())].to_owned());
        }
        truth.story_paragraphs.push(story);
        sink(SyntheticDocument {
            id: format!("doc-{index:06}"),
            text: paragraphs.join("\n\n") + "\n",
        });
    }
    truth
}

/// Generates the reprint shape (as in newsroom archives, where a reprint
/// is most often cut, not edited): `documents` stories of 6 to 12
/// paragraphs, a third of them originals reprinted once or twice. A
/// reprint is *shortened* (half of them: the first 40-90% of the
/// paragraphs kept, or as many dropped from anywhere), *extended* (a
/// third: one to three paragraphs added, a local paragraph inside or an
/// editor's note at the end) or *edited* (the rest: a word swapped).
/// A fifth of every reprint is edited in a word as well, and any story may
/// carry its outlet's footer. Hard negatives: one story in ten quotes one
/// or two paragraphs of an earlier story. A family's members are printed
/// together, in shuffled order; `families` lists each original first.
pub fn generate_reprints(
    documents: usize,
    seed: u64,
    mut sink: impl FnMut(SyntheticDocument),
) -> GroundTruth {
    let mut news = CorpusSpec::new(0, seed);
    news.footer_share = 0.4;
    news.pasted_share = 0.0;
    let mut generator = Generator::new(&news);
    let mut truth = GroundTruth::default();
    let mut recent: std::collections::VecDeque<Story> = Default::default();
    let mut index = 0usize;
    let long_story = |generator: &mut Generator| {
        let language = generator.language();
        let count = generator.rng.range(6, 12);
        Story {
            language,
            paragraphs: (0..count).map(|_| generator.paragraph(language)).collect(),
        }
    };
    while index < documents {
        let mut story = long_story(&mut generator);
        if !recent.is_empty() && generator.rng.chance(0.1) {
            let quoted = &recent[generator.rng.below(recent.len())];
            if quoted.language == story.language {
                for _ in 0..generator.rng.range(1, 2) {
                    let paragraph =
                        quoted.paragraphs[generator.rng.below(quoted.paragraphs.len())].clone();
                    let at = generator.rng.below(story.paragraphs.len());
                    story.paragraphs.insert(at, paragraph);
                }
            }
        }
        let mut printed = vec![story.clone()];
        if generator.rng.chance(1.0 / 3.0) {
            for _ in 0..generator.rng.range(1, 2) {
                printed.push(generator.reprint(&story));
            }
        }
        // Shuffled: a cut copy may come first.
        let mut order: Vec<usize> = (0..printed.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, generator.rng.below(i + 1));
        }
        let mut family = vec![0; printed.len()];
        let mut complete = true;
        for &k in &order {
            if index >= documents {
                complete = false;
                break;
            }
            family[k] = index;
            let document = generator.emit(index, &mut truth, true, &printed[k]);
            sink(document);
            index += 1;
        }
        if printed.len() > 1 && complete {
            truth.families.push(family);
        }
        if recent.len() == 1000 {
            recent.pop_front();
        }
        recent.push_back(story);
    }
    truth
}

/// Generates the long-document shape, handing each document to `sink` as
/// it is made (nothing is kept), and returns what was planted: each
/// original and its copies are a family; there is no boilerplate.
pub fn generate_long(spec: &LongSpec, mut sink: impl FnMut(SyntheticDocument)) -> GroundTruth {
    let news = CorpusSpec::new(0, spec.seed);
    let mut generator = Generator::new(&news);
    let mut truth = GroundTruth::default();
    let mut index = 0usize;
    let mut emit = |text: String, paragraphs: usize, truth: &mut GroundTruth| {
        truth.story_paragraphs.push((0..paragraphs).collect());
        sink(SyntheticDocument {
            id: format!("doc-{index:06}"),
            text,
        });
        index += 1;
        index - 1
    };
    for _ in 0..spec.originals {
        let count = generator.rng.range(spec.paragraphs.0, spec.paragraphs.1);
        let story = Story {
            language: Language::English,
            paragraphs: (0..count)
                .map(|_| generator.long_paragraph(Language::English))
                .collect(),
        };
        let copies = generator.rng.range(spec.copies.0, spec.copies.1);
        let mut family = Vec::with_capacity(copies);
        for copy in 0..copies {
            let printed = if copy > 0 && generator.rng.chance(spec.edited_share) {
                generator.edit_long(&story)
            } else {
                story.clone()
            };
            let text = printed.paragraphs.join("\n\n") + "\n";
            family.push(emit(text, printed.paragraphs.len(), &mut truth));
        }
        truth.families.push(family);
    }
    for _ in 0..spec.short_documents {
        let story = generator.story();
        let text = story.paragraphs.join("\n\n") + "\n";
        emit(text, story.paragraphs.len(), &mut truth);
    }
    truth
}

/// Generates the boilerplate-heavy shape, handing each document to `sink`
/// as it is made, and returns what was planted: pool passages are listed
/// in `footers` (wherever they stand), reprints in `families`.
pub fn generate_boilerplate_heavy(
    spec: &BoilerplateSpec,
    mut sink: impl FnMut(SyntheticDocument),
) -> GroundTruth {
    let news = CorpusSpec::new(0, spec.seed);
    let mut generator = Generator::new(&news);
    // A pool passage has a slot for a year or a name: its prints vary there.
    let pool: Vec<String> = (0..spec.pool).map(|_| generator.pool_passage()).collect();
    const YEARS: &[&str] = &[
        "2019", "2020", "2021", "2022", "2023", "2024", "2025", "2026",
    ];
    const NAMES: &[&str] = &[
        "Harbor Media",
        "Valley Press",
        "Northwind Ltd",
        "Example Inc",
    ];
    let mut truth = GroundTruth::default();
    let mut index = 0usize;
    while index < spec.documents {
        let count = generator.rng.range(spec.paragraphs.0, spec.paragraphs.1);
        let own = ((count as f64 * spec.story_share) as usize).max(3);
        let story: Vec<String> = (0..own)
            .map(|_| generator.paragraph(Language::English))
            .collect();
        let mut prints = vec![story];
        if generator.rng.chance(spec.family_share) && index + 1 < spec.documents {
            let reprint = generator.edit(&Story {
                language: Language::English,
                paragraphs: prints[0].clone(),
            });
            prints.push(reprint.paragraphs);
        }
        let mut family = Vec::new();
        for story in prints {
            // Boilerplate before, between and after the story's paragraphs.
            let boilerplate = count.saturating_sub(story.len()).max(1);
            let mut slots: Vec<bool> = vec![false; boilerplate];
            slots.extend(std::iter::repeat_n(true, story.len()));
            for i in (1..slots.len()).rev() {
                slots.swap(i, generator.rng.below(i + 1));
            }
            let mut story_paragraphs = story.into_iter();
            let mut paragraphs = Vec::with_capacity(slots.len());
            let mut own_at = Vec::new();
            for is_story in slots {
                if is_story {
                    own_at.push(paragraphs.len());
                    paragraphs.push(story_paragraphs.next().unwrap_or_default());
                } else {
                    let passage = &pool[generator.rng.below(pool.len())];
                    let year = YEARS[generator.rng.below(YEARS.len())];
                    let name = NAMES[generator.rng.below(NAMES.len())];
                    truth.footers.push((index, paragraphs.len()));
                    paragraphs.push(passage.replace("{year}", year).replace("{name}", name));
                }
            }
            truth.story_paragraphs.push(own_at);
            family.push(index);
            sink(SyntheticDocument {
                id: format!("doc-{index:06}"),
                text: paragraphs.join("\n\n") + "\n",
            });
            index += 1;
        }
        if family.len() > 1 {
            truth.families.push(family);
        }
    }
    truth
}

impl Generator<'_> {
    /// A paragraph of a long document: 8 to 30 words, as in books and
    /// records.
    fn long_paragraph(&mut self, language: Language) -> String {
        let mut paragraph = self.paragraph(language);
        if let Some((cut, _)) = paragraph.match_indices(' ').nth(self.rng.range(8, 30)) {
            paragraph.truncate(cut);
            paragraph.push('.');
        }
        paragraph
    }

    /// A light edit of a long document: words changed in about one
    /// paragraph in a hundred, one paragraph dropped.
    fn edit_long(&mut self, story: &Story) -> Story {
        let mut paragraphs = story.paragraphs.clone();
        if paragraphs.len() > 1 {
            paragraphs.remove(self.rng.below(paragraphs.len()));
        }
        for _ in 0..(paragraphs.len() / 100).max(1) {
            let p = self.rng.below(paragraphs.len());
            paragraphs[p] = self.swap_token(&paragraphs[p], story.language);
        }
        Story {
            language: story.language,
            paragraphs,
        }
    }

    /// A pool passage: a notice of 10 to 60 words with a `{year}` or a
    /// `{name}` slot.
    fn pool_passage(&mut self) -> String {
        let mut words: Vec<String> = self
            .paragraph(Language::English)
            .split(' ')
            .map(str::to_owned)
            .collect();
        words.truncate(self.rng.range(10, 60));
        let at = self.rng.below(words.len());
        words.insert(
            at,
            if self.rng.chance(0.5) {
                "{year}"
            } else {
                "{name}"
            }
            .into(),
        );
        words.join(" ")
    }
}

/// The two-extra-characters variant of the real page's pasted paragraph.
fn insert_two_chars(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let at = chars.len() / 3;
    chars.splice(at..at, ['发', '展']);
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_corpus() {
        let a = generate(&CorpusSpec::new(200, 5));
        let b = generate(&CorpusSpec::new(200, 5));
        assert_eq!(a.documents, b.documents);
        assert_eq!(a.truth, b.truth);
        assert_ne!(generate(&CorpusSpec::new(200, 6)).documents, a.documents);
    }

    #[test]
    fn the_streamed_news_corpus_is_the_generated_one() {
        let spec = CorpusSpec::new(3000, 9);
        let whole = generate(&spec);
        let mut streamed = Vec::new();
        let truth = generate_news(&spec, |doc| streamed.push(doc));
        assert_eq!(streamed, whole.documents);
        assert_eq!(truth.families, whole.truth.families);
        assert_eq!(truth.footers, whole.truth.footers);
        assert_eq!(truth.pasted, whole.truth.pasted);
    }

    #[test]
    fn long_shape_stores_each_document_in_copies() {
        let spec = LongSpec {
            paragraphs: (50, 80),
            ..LongSpec::new(3, 7)
        };
        let mut documents = Vec::new();
        let truth = generate_long(&spec, |doc| documents.push(doc));
        assert_eq!(truth.families.len(), 3);
        let copies: usize = truth.families.iter().map(Vec::len).sum();
        assert_eq!(documents.len(), copies + 50);
        for family in &truth.families {
            assert!((2..=5).contains(&family.len()));
            let original = documents[family[0]].text.split("\n\n").count();
            assert!((50..=80).contains(&original), "{original}");
            for &copy in &family[1..] {
                let printed = documents[copy].text.split("\n\n").count();
                assert!(printed == original || printed + 1 == original);
            }
        }
    }

    #[test]
    fn boilerplate_shape_draws_most_paragraphs_from_the_pool() {
        let spec = BoilerplateSpec {
            pool: 40,
            paragraphs: (20, 40),
            ..BoilerplateSpec::new(60, 3)
        };
        let mut documents = Vec::new();
        let truth = generate_boilerplate_heavy(&spec, |doc| documents.push(doc));
        assert_eq!(documents.len(), 60);
        let paragraphs: usize = documents.iter().map(|d| d.text.split("\n\n").count()).sum();
        assert!(
            truth.footers.len() * 10 > paragraphs * 7,
            "mostly pool passages"
        );
        for &(doc, p) in &truth.footers {
            assert!(!truth.story_paragraphs[doc].contains(&p));
        }
        assert!(!truth.families.is_empty());
    }

    #[test]
    fn plants_what_it_says() {
        let corpus = generate(&CorpusSpec::new(1000, 1));
        assert_eq!(corpus.documents.len(), 1000);
        assert!(!corpus.truth.families.is_empty());
        assert!(corpus.truth.footers.len() > 300);
        assert!(!corpus.truth.pasted.is_empty());
        for &(doc, paragraph) in &corpus.truth.footers {
            let paragraphs: Vec<&str> = corpus.documents[doc]
                .text
                .trim_end()
                .split("\n\n")
                .collect();
            assert_eq!(
                paragraph,
                paragraphs.len() - 1,
                "footer closes the document"
            );
        }
    }
}
