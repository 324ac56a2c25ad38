//! Unit tests of the article text extractor on pages written in the shapes real sites use: a
//! story among a site's furniture, a live blog, a gallery, a paywalled teaser, index, tag and
//! search pages (empty text), block structures, Markdown, whitespace, entities and broken markup.

use super::*;

const P1: &str = "The city council voted on Tuesday to close the old harbour bridge to cars, \
    after engineers found that two of its supports had cracked during the winter storms.";
const P2: &str = "Repairs will take at least eighteen months, the council said, and buses will \
    use a temporary ferry link that opens next week, with tickets at the usual bus fare.";
const P3: &str = "Shop owners on the waterfront, who depend on visitors from across the river, \
    said they feared the closure would cost them a third of their trade this summer.";

fn url() -> Url {
    Url::parse("https://news.example/2026/03/bridge.html").unwrap_or_else(|_| unreachable!())
}

fn plain(html: &str) -> String {
    article_text(html, &url(), TextFormat::Plain)
}

fn markdown(html: &str) -> String {
    article_text(html, &url(), TextFormat::Markdown)
}

/// A story page with the furniture news sites put around it.
fn news_page(story: &str) -> String {
    format!(
        r#"<!doctype html><html><head><title>Harbour bridge to close for repairs | Daily Example</title>
<meta property="og:title" content="Harbour bridge to close for repairs"></head>
<body class="article-page has-sidebar">
<div id="cookie-consent" class="banner"><p>We use cookies to improve your experience. By continuing you accept our use of cookies.</p><button>Accept</button></div>
<header class="site-header"><a href="/">Daily Example</a><nav><ul><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li><li><a href="/culture">Culture</a></li></ul></nav></header>
<div class="breadcrumbs"><a href="/">Home</a> › <a href="/news">News</a></div>
<main><article>
<div class="article-top"><h1>Harbour bridge to close for repairs</h1>
<p class="byline">By <a href="/staff/jane">Jane Doe</a></p><p><time datetime="2026-03-03">3 March 2026</time></p></div>
<div class="share-tools"><a href="https://twitter.example/share">Share on X</a> <a href="mailto:?">Email</a></div>
<div class="story-body">{story}</div>
<div class="tags"><a href="/t/bridges">Bridges</a> <a href="/t/council">Council</a></div>
</article>
<section class="comments"><h2>Comments (2)</h2><div class="comment"><p>This is a disgrace, the bridge has been neglected for years and now we all pay the price for it.</p></div></section>
</main>
<aside><h2>Most read</h2><ol><li><a href="/a">Storm damage closes schools across the region</a></li><li><a href="/b">Ferry prices to rise in April, operator says</a></li></ol></aside>
<div class="related-stories"><h3>More from News</h3><ul><li><a href="/c">New tram line opens to passengers on the east side</a></li><li><a href="/d">Council budget approved after a long debate</a></li></ul></div>
<div class="newsletter-signup"><p>Get the morning briefing in your inbox every day, free of charge, by signing up to our newsletter today.</p></div>
<footer><p>© 2026 Daily Example. All rights reserved. <a href="/privacy">Privacy</a></p></footer>
</body></html>"#
    )
}

#[test]
fn story_among_furniture() {
    let story = format!(
        "<p>{P1}</p><div class=\"ad-slot\"><p>Advertisement</p></div>\
         <h2>Ferry link</h2><p>{P2}</p><figure><img src=x.jpg><figcaption>The bridge in \
         January. Photo: Agency</figcaption></figure><p>{P3}</p>"
    );
    assert_eq!(
        plain(&news_page(&story)),
        format!("{P1}\n\nFerry link\n\n{P2}\n\n{P3}")
    );
}

#[test]
fn headline_and_byline_inside_the_container_are_left_out() {
    let html = format!(
        "<html><head><title>Harbour bridge to close | Daily Example</title></head><body>\
         <div id=content><h1>Harbour bridge to close</h1><p>By Jane Doe</p><p>3 March 2026</p>\
         <p>{P1}</p><p>{P2}</p><p>Share this article</p><p>Tags: bridges, council</p></div>\
         </body></html>"
    );
    assert_eq!(plain(&html), format!("{P1}\n\n{P2}"));
}

#[test]
fn live_blog_keeps_every_entry() {
    let html = format!(
        "<html><body><nav><a href=/>Home</a> <a href=/live>Live</a></nav><main>\
         <h1>Storm live: latest updates</h1><div class=live-feed>\
         <article class=live-post><time>10:42</time><h3>Bridge closed</h3><p>{P1}</p></article>\
         <article class=live-post><time>10:15</time><p>{P2}</p></article>\
         <article class=live-post><time>09:58</time><h3>Traders worried</h3><p>{P3}</p></article>\
         </div></main></body></html>"
    );
    assert_eq!(
        plain(&html),
        format!("Bridge closed\n\n{P1}\n\n{P2}\n\nTraders worried\n\n{P3}")
    );
}

#[test]
fn gallery_keeps_descriptions_without_credits() {
    let html = format!(
        "<html><body><div class=gallery>\
         <div class=slide><img src=1.jpg><span class=credit>Photo: Agency</span><p>{P1}</p></div>\
         <div class=slide><img src=2.jpg><span class=credit>Photo: Agency</span><p>{P2}</p></div>\
         <div class=slide-nav><a href='?slide=2'>Next</a></div></div></body></html>"
    );
    assert_eq!(plain(&html), format!("{P1}\n\n{P2}"));
}

#[test]
fn paywalled_teaser_is_the_text_present() {
    let html = format!(
        "<html><body><article><h1>Harbour bridge</h1><div class=article-body><p>{P1}</p>\
         <p>{P2}</p></div><div class=paywall-prompt><h3>Subscribe to keep reading</h3>\
         <p>Only $1 a week for your first year.</p><a href=/subscribe>Subscribe now</a></div>\
         </article></body></html>"
    );
    assert_eq!(plain(&html), format!("{P1}\n\n{P2}"));
}

/// A front page: teaser cards with a linked headline and a summary each.
#[test]
fn front_page_is_not_an_article() {
    let mut cards = String::new();
    for (i, summary) in [P1, P2, P3, P1, P2, P3].iter().enumerate() {
        cards.push_str(&format!(
            "<article class=card><h2><a href=/story/{i}>Headline number {i} of the day</a></h2>\
             <p>{}</p></article>",
            &summary[..110]
        ));
    }
    let html = format!(
        "<html><body><nav><a href=/news>News</a></nav><main><section class=top-stories>\
         {cards}</section></main></body></html>"
    );
    assert_eq!(plain(&html), "");
}

/// A front page whose teasers sit in many small sections, none with three headlines: the best
/// container is one teaser card, holding an eighth of the page's prose.
#[test]
fn front_page_of_sections_is_not_an_article() {
    let mut sections = String::new();
    for (i, summary) in [P1, P2, P3, P1, P2, P3, P1, P2].iter().enumerate() {
        sections.push_str(&format!(
            "<section class=section-{i}><h2>Section {i}</h2><div class=card><h3>\
             <a href=/story/{i}>Headline number {i} of the day</a></h3><p>{summary}</p></div>\
             <ul><li><a href=/more/{i}/1>Another headline in this section</a></li>\
             <li><a href=/more/{i}/2>And one more headline in this section</a></li></ul>\
             </section>"
        ));
    }
    let html = format!("<html><body><main>{sections}</main></body></html>");
    assert_eq!(plain(&html), "");
}

#[test]
fn tag_and_search_pages_are_not_articles() {
    let mut results = String::new();
    for i in 0..8 {
        results.push_str(&format!(
            "<li><a href=/story/{i}>Bridge repairs: what the council decided on day {i}</a>\
             <p>The council voted to close the bridge for repairs, day {i} of the story.</p></li>"
        ));
    }
    let search = format!(
        "<html><body><h1>Search results for \"bridge\"</h1><ul class=results>{results}</ul>\
         </body></html>"
    );
    assert_eq!(plain(&search), "");
    let mut links = String::new();
    for i in 0..30 {
        links.push_str(&format!(
            "<p><a href=/t/{i}>Story tagged bridges, number {i}</a></p>"
        ));
    }
    let tag = format!("<html><body><div id=content><h1>Bridges</h1>{links}</div></body></html>");
    assert_eq!(plain(&tag), "");
}

#[test]
fn the_pages_own_article_markup_wins_over_a_wider_container() {
    // The wrapper holds more prose (an unmarked bio box), but the author marked the story up.
    let html = format!(
        "<html><body><div class=wrap><article><p>{P1}</p><p>{P2}</p><p>{P3}</p></article>\
         <div class=box><p>Jane Doe has reported on the city's roads, bridges and ferries for \
         twenty years, and lives on the waterfront with her two dogs.</p></div></div>\
         </body></html>"
    );
    assert_eq!(plain(&html), format!("{P1}\n\n{P2}\n\n{P3}"));
}

#[test]
fn a_class_name_cannot_hide_the_story() {
    // The wrapper's class has "sidebar" in it, but it holds the whole story.
    let html = format!(
        "<html><body><div class='article with-sidebar'><p>{P1}</p><p>{P2}</p></div>\
         <div class=sidebar><p>{P3}</p></div></body></html>"
    );
    assert_eq!(plain(&html), format!("{P1}\n\n{P2}"));
}

#[test]
fn a_charts_labels_are_not_the_story() {
    // ai2html's export: the chart's picture and its labels as positioned text, once per
    // artboard (desktop and mobile).
    let html = format!(
        "<html><body><div class=story><p>{P1}</p><div id=g-debt-box class='ai2html \
         ai2html-box-v5'><div class=g-artboard><img class=g-aiImg src=chart.png>\
         <div class='g-Layer_1 g-aiAbs g-aiPointText'><p class=g-pstyle0>Interest payments on \
         the national debt</p></div></div><div class=g-artboard><p class=g-pstyle0>Interest \
         payments on the national debt</p></div></div><p>{P2}</p></div></body></html>"
    );
    assert_eq!(plain(&html), format!("{P1}\n\n{P2}"));
}

#[test]
fn a_wordpress_post_that_takes_comments_is_the_story_and_its_comments_are_not() {
    // post_class() puts `comments-open` on the post's own <article>; the comment list
    // follows it.
    let html = format!(
        "<html><body><article class='post-12 post type-post status-publish comments-open \
         hentry'><p>{P1}</p><p>{P2}</p></article><div id=comments class=comments-area>\
         <ol class=comment-list><li class=comment><p>{P3}</p></li></ol></div></body></html>"
    );
    assert_eq!(plain(&html), format!("{P1}\n\n{P2}"));
}

#[test]
fn a_comment_section_longer_than_the_story_stays_out() {
    // A photo blog: the post is short captions between pictures, none a paragraph of 100
    // characters; the readers' comments below it are long. Their section holds nearly all the
    // page's prose, and is still not the story: the page has no story text, so no text.
    let html = format!(
        "<html><body><div id=article-box><div class=article-content>\
         <p>Day one at the lake.</p><p>The maples were red.</p><p>We walked to the falls.</p>\
         </div></div><div id=user-post><div id=comment-box class=user-post-box>\
         <div id=comment-text class=user-post-text><ul class=single-post>\
         <li class=post-info><span class=floor>#1</span> <a href='/u/1'>Ann</a></li>\
         <li class=post-content><p>{P1}</p></li>\
         <li class=post-info><span class=floor>#2</span> <a href='/u/2'>Bo</a></li>\
         <li class=post-content><p>{P2}</p></li></ul></div></div></div></body></html>"
    );
    assert_eq!(plain(&html), "");
}

#[test]
fn lists_quotes_tables_and_pre_in_plain_text() {
    let html = format!(
        "<html><body><div class=story><p>{P1}</p><ul><li>First item</li><li>Second \
         <b>item</b></li></ul><blockquote><p>We will reopen the bridge as soon as it is safe \
         to do so, and not a day later.</p></blockquote><table><tr><th>Year</th><th>Cost</th>\
         </tr><tr><td>2025</td><td>£2m</td></tr></table><pre>let x = 1;\n  x + 1</pre>\
         <p>{P2}</p></div></body></html>"
    );
    assert_eq!(
        plain(&html),
        format!(
            "{P1}\n\nFirst item\nSecond item\n\nWe will reopen the bridge as soon as it is safe \
             to do so, and not a day later.\n\nYear\tCost\n2025\t£2m\n\nlet x = 1;\n  x + 1\n\n{P2}"
        )
    );
}

#[test]
fn markdown_output() {
    let html = format!(
        "<html><body><div class=story><p>{P1}</p><h2>The <em>ferry</em> link</h2>\
         <p>The ferry is <em>free</em> for <strong>children</strong>, see \
         <a href='/ferry?x=1&amp;y=2'>the timetable</a> or <a href='https://other.example/t'>\
         this page</a> and run <code>make</code>.</p>\
         <ol><li>Buy a ticket</li><li>Board</li></ol><ul><li>One<ul><li>Nested</li></ul></li></ul>\
         <blockquote><p>First quoted paragraph.</p><p>Second quoted paragraph.</p></blockquote>\
         <table><tr><th>Year</th><th>Cost</th></tr><tr><td>2025</td><td>£2m</td></tr></table>\
         <pre>a  b</pre><p>{P2}</p></div></body></html>"
    );
    assert_eq!(
        markdown(&html),
        format!(
            "{P1}\n\n## The ferry link\n\nThe ferry is *free* for **children**, see \
             [the timetable](https://news.example/ferry?x=1&y=2) or \
             [this page](https://other.example/t) and run `make`.\n\n1. Buy a ticket\n2. Board\
             \n\n- One\n  - Nested\n\n> First quoted paragraph.\n>\n> Second quoted paragraph.\
             \n\n| Year | Cost |\n| --- | --- |\n| 2025 | £2m |\n\n```\na  b\n```\n\n{P2}"
        )
    );
}

#[test]
fn whitespace_entities_and_line_breaks() {
    let html = format!(
        "<html><body><div class=story><p>  Fish &amp; chips\n\t cost&nbsp;£5 — <i>and</i>\
         <span> rising</span>. Vladi&shy;mir\u{200b}.</p><div>{P1}<br><br>{P2}<br>Line two.</div></div></body></html>"
    );
    assert_eq!(
        plain(&html),
        format!("Fish & chips cost £5 — and rising. Vladimir.\n\n{P1}\n\n{P2}\nLine two.")
    );
}

#[test]
fn hidden_and_script_content_is_left_out() {
    let html = format!(
        "<html><body><div class=story><p>{P1}</p><script>var p = '<p>no</p>';</script>\
         <p style='display:none'>Hidden text that must not appear in the text.</p>\
         <div aria-hidden=true>Also hidden.</div><noscript>Enable JavaScript.</noscript>\
         <p>{P2}</p></div></body></html>"
    );
    assert_eq!(plain(&html), format!("{P1}\n\n{P2}"));
}

#[test]
fn base_href_resolves_links() {
    let html = format!(
        "<html><head><base href='https://cdn.example/base/'></head><body><div class=story>\
         <p>{P1} <a href='more.html'>More</a>.</p></div></body></html>"
    );
    assert_eq!(
        markdown(&html),
        format!("{P1} [More](https://cdn.example/base/more.html).")
    );
}

#[test]
fn malformed_markup_does_not_panic() {
    let deep = "<div>".repeat(5000) + P1 + &"</div>".repeat(10);
    let pages = [
        String::new(),
        "<p>".to_string(),
        "<html><body><p>unclosed <b>bold <i>italic</p></b> text".to_string(),
        format!("<table><tr><td><p>{P1}<td>{P2}</table></p></li></ul><a href='http://[bad'>x</a>"),
        deep,
        "<a href='javascript:alert(1)'>x</a>\u{0}\u{feff}<<>>&&;;".to_string(),
    ];
    for page in &pages {
        let _ = plain(page);
        let _ = markdown(page);
    }
    // The unclosed markup still gives its text.
    let html = format!("<body><div><p>{P1}<p>{P2}<div><p>{P3}");
    assert_eq!(plain(&html), format!("{P1}\n\n{P2}\n\n{P3}"));
}
#[test]
fn a_story_may_end_with_a_list_of_short_items() {
    let html = format!(
        "<html><body><div class=post><p>{P1}</p><p>{P2}</p><h2>What you need</h2>\
         <ul><li>A ferry ticket</li><li>Patience</li></ul><p>Follow us</p></div></body></html>"
    );
    assert_eq!(
        plain(&html),
        format!("{P1}\n\n{P2}\n\nWhat you need\n\nA ferry ticket\nPatience")
    );
}

#[test]
fn chinese_paragraphs_count_as_story_text() {
    // 40 characters of Chinese say what about 120 letters of English do.
    let a = "市议会周二投票决定关闭旧港口大桥，因为工程师发现大桥的两个支柱在冬季风暴中出现裂缝。";
    let b = "议会表示，修复工程至少需要十八个月，在此期间公交车将使用下周开通的临时渡轮线路。";
    let html = format!(
        "<html><body><nav><a href=/>首页</a></nav><div class=content><p>{a}</p><p>{b}</p>\
         </div></body></html>"
    );
    assert_eq!(plain(&html), format!("{a}\n\n{b}"));
}

#[test]
fn wire_story_of_short_paragraphs() {
    // Agencies write one-sentence paragraphs; the short ones are sentences, not labels.
    let html = format!(
        "<html><body><div class=article><p>{P1}</p><p>The vote was 7 to 2.</p>\
         <p>\"We had no choice,\" the mayor said.</p><p>{P2}</p><p>Reuters</p></div></body></html>"
    );
    assert_eq!(
        plain(&html),
        format!("{P1}\n\nThe vote was 7 to 2.\n\n\"We had no choice,\" the mayor said.\n\n{P2}")
    );
}

#[test]
fn story_with_read_more_lines_and_a_related_list_stays_an_article() {
    let html = format!(
        "<html><body><div class=content><p>{P1}</p><p><strong>Read more:</strong> \
         <a href=/a>Storm damage closes schools across the region</a></p><p>{P2}</p>\
         <p><a href=/b>Ferry prices to rise in April, the operator says</a></p><p>{P3}</p>\
         <h3><a href=/c>New tram line opens to passengers on the east side</a></h3>\
         <h3><a href=/d>Council budget approved after a long debate</a></h3></div></body></html>"
    );
    assert_eq!(plain(&html), format!("{P1}\n\n{P2}\n\n{P3}"));
}
