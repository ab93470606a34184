//! Reading the merchant pages in tests: GET and POST them over real HTTP, and pick out what a
//! browser would use (the page token, links, form fields, text) from the HTML.

#![allow(dead_code, clippy::unwrap_used)]

use crate::auth_support::World;

/// A page as the browser got it.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// Where a redirect points.
    pub fn location(&self) -> String {
        unescape(&self.header("location"))
    }

    /// The page token of `<meta name="ordersync-token">`.
    pub fn token(&self) -> String {
        attr_after(&self.body, r#"name="ordersync-token""#, "content").unwrap()
    }

    /// Every `href` on the page, unescaped.
    pub fn hrefs(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = self.body.as_str();
        while let Some(i) = rest.find("href=\"") {
            rest = &rest[i + 6..];
            let end = rest.find('"').unwrap();
            out.push(unescape(&rest[..end]));
            rest = &rest[end..];
        }
        out
    }

    /// The first link whose href starts with `prefix`.
    pub fn link(&self, prefix: &str) -> String {
        self.hrefs()
            .into_iter()
            .find(|h| h.starts_with(prefix))
            .unwrap_or_else(|| panic!("no link to {prefix} in {}", self.body))
    }

    /// The page's text without tags (for "says X" checks), whitespace collapsed.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in self.body.chars() {
            match c {
                '<' => {
                    in_tag = true;
                    out.push(' ');
                }
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        unescape(&out.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    pub fn contains(&self, needle: &str) -> bool {
        self.body.contains(needle)
    }
}

/// The value of `attr` in the first tag containing `marker`.
pub fn attr_after(body: &str, marker: &str, attr: &str) -> Option<String> {
    let at = body.find(marker)?;
    let start = body[..=at].rfind('<')?;
    let end = at + body[at..].find('>')?;
    let tag = &body[start..end];
    let key = format!("{attr}=\"");
    let i = tag.find(&key)? + key.len();
    let j = tag[i..].find('"')? + i;
    Some(unescape(&tag[i..j]))
}

pub fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
}

pub async fn get(world: &World, path: &str) -> Page {
    let response = world
        .http
        .get(format!("{}{path}", world.base))
        .send()
        .await
        .unwrap();
    page(response).await
}

pub async fn get_bearer(world: &World, path: &str, token: &str) -> Page {
    let response = world
        .http
        .get(format!("{}{path}", world.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    page(response).await
}

pub async fn post(world: &World, path: &str, fields: &[(&str, &str)]) -> Page {
    let response = world
        .http
        .post(format!("{}{path}", world.base))
        .form(fields)
        .send()
        .await
        .unwrap();
    page(response).await
}

async fn page(response: reqwest::Response) -> Page {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    Page {
        status,
        headers,
        body,
    }
}

/// Follows a redirect's location (an in-app path with its token).
pub async fn follow(world: &World, redirect: &Page) -> Page {
    assert_eq!(redirect.status, 303, "{}", redirect.body);
    get(world, &redirect.location()).await
}

/// Every visible form control of the page has a label: a `<label for>` naming its id, or an
/// `aria-label`; every button has text.
pub fn assert_labelled(page: &Page) {
    let body = &page.body;
    let mut rest = body.as_str();
    while let Some(i) = rest.find("<input") {
        rest = &rest[i..];
        let end = rest.find('>').unwrap();
        let tag = &rest[..end];
        rest = &rest[end..];
        if tag.contains("type=\"hidden\"") {
            continue;
        }
        if tag.contains("aria-label=\"") {
            continue;
        }
        let id = attr_after(&format!("{tag}>"), "<input", " id")
            .unwrap_or_else(|| panic!("an input without id or aria-label: {tag}"));
        assert!(
            body.contains(&format!("<label class=\"field__label\" for=\"{id}\"")),
            "no label for #{id}"
        );
    }
    let mut rest = body.as_str();
    while let Some(i) = rest.find("<button") {
        rest = &rest[i..];
        let open = rest.find('>').unwrap();
        let close = rest.find("</button>").unwrap();
        let inner = &rest[open + 1..close];
        let text: String = inner
            .split('<')
            .map(|part| part.split_once('>').map_or(part, |(_, t)| t))
            .collect();
        assert!(
            !text.trim().is_empty(),
            "a button without text: {}",
            &rest[..close]
        );
        rest = &rest[close..];
    }
}
