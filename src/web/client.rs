//! Who is on the other end: the client address for throttling and logs.
//! `X-Forwarded-For` is believed only when the connection comes from a
//! configured proxy, and then only as far as the chain of trusted proxies
//! goes: the address is the right-most entry that is not itself a trusted
//! proxy, since everything left of it was written by the client.

use std::net::IpAddr;

use actix_web::HttpRequest;

pub fn client_addr(req: &HttpRequest, trusted: &[IpAddr]) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return String::new();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .copied()
        .unwrap_or(peer)
        .to_string()
}

/// Parses `EXAMDRILL_TRUSTED_PROXIES`: addresses separated by commas or spaces.
pub fn parse_trusted(list: &str) -> Result<Vec<IpAddr>, String> {
    list.split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| format!("`{s}` is not an IP address")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn req(peer: &str, xff: Option<&str>) -> HttpRequest {
        let mut r = TestRequest::default().peer_addr(format!("{peer}:5000").parse().unwrap());
        if let Some(x) = xff {
            r = r.insert_header(("x-forwarded-for", x));
        }
        r.to_http_request()
    }

    #[test]
    fn forwarded_addresses_count_only_through_trusted_proxies() {
        let proxy: Vec<IpAddr> = parse_trusted("127.0.0.1, 10.0.0.5").unwrap();
        // Straight from a client: the header is the client's to invent.
        assert_eq!(client_addr(&req("203.0.113.9", Some("1.2.3.4")), &proxy), "203.0.113.9");
        // Through the proxy: the entry it appended.
        assert_eq!(
            client_addr(&req("127.0.0.1", Some("198.51.100.7")), &proxy),
            "198.51.100.7"
        );
        // A spoofed entry left of the proxy's is ignored.
        assert_eq!(
            client_addr(&req("127.0.0.1", Some("6.6.6.6, 198.51.100.7")), &proxy),
            "198.51.100.7"
        );
        // Chained trusted proxies are skipped.
        assert_eq!(
            client_addr(&req("127.0.0.1", Some("198.51.100.7, 10.0.0.5")), &proxy),
            "198.51.100.7"
        );
        // Nothing usable: the proxy itself.
        assert_eq!(client_addr(&req("127.0.0.1", Some("garbage")), &proxy), "127.0.0.1");
        assert!(parse_trusted("not-an-ip").is_err());
    }
}
