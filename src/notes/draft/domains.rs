//! Which exam and domain a draft belongs to: the exam from the section's
//! SAA/SOA tags (or the chosen default), the domain from keywords in the
//! section path and the fact.

/// Domain keywords per exam, checked against the section path and the fact.
const DOMAINS: &[(&str, &str, &[&str])] = &[
    (
        "saa-c03",
        "secure",
        &[
            "iam",
            "kms",
            "암호",
            "보안",
            "security",
            "waf",
            "shield",
            "guardduty",
            "cognito",
            "sso",
            "secret",
            "acm",
            "인증",
            "macie",
            "inspector",
            "mfa",
            "encrypt",
            "policy",
            "정책",
            "권한",
        ],
    ),
    (
        "saa-c03",
        "cost",
        &[
            "비용",
            "요금",
            "가격",
            "cost",
            "pricing",
            "spot",
            "reserved",
            "savings",
            "절감",
            "budget",
            "billing",
            "청구",
            "glacier",
            "lifecycle",
            "수명 주기",
        ],
    ),
    (
        "saa-c03",
        "resilient",
        &[
            "multi-az",
            "multi az",
            "복제",
            "replica",
            "백업",
            "backup",
            "장애",
            "failover",
            "고가용",
            "내구",
            "durab",
            "auto scaling",
            "sqs",
            "sns",
            "재해",
            "snapshot",
            "스냅샷",
            "route 53",
            "decoupl",
            "결합",
        ],
    ),
    (
        "soa-c03",
        "monitoring",
        &[
            "cloudwatch",
            "지표",
            "metric",
            "경보",
            "alarm",
            "로그",
            "log",
            "dashboard",
            "대시보드",
            "eventbridge",
            "insights",
            "trusted advisor",
            "모니터링",
        ],
    ),
    (
        "soa-c03",
        "deployment",
        &[
            "cloudformation",
            "ssm",
            "systems manager",
            "ami",
            "image builder",
            "beanstalk",
            "배포",
            "deploy",
            "stackset",
            "automation",
            "자동화",
            "lambda",
            "template",
            "템플릿",
        ],
    ),
    (
        "soa-c03",
        "security",
        &[
            "iam",
            "kms",
            "암호",
            "보안",
            "security",
            "guardduty",
            "config",
            "cloudtrail",
            "secret",
            "acm",
            "인증",
            "mfa",
            "권한",
            "policy",
            "정책",
        ],
    ),
    (
        "soa-c03",
        "networking",
        &[
            "vpc",
            "서브넷",
            "subnet",
            "route 53",
            "dns",
            "cloudfront",
            "nat",
            "게이트웨이",
            "gateway",
            "direct connect",
            "vpn",
            "엔드포인트",
            "endpoint",
            "네트워크",
            "network",
            "elb",
            "load balancer",
        ],
    ),
    (
        "soa-c03",
        "reliability",
        &[
            "백업",
            "backup",
            "복원",
            "restore",
            "multi-az",
            "asg",
            "auto scaling",
            "failover",
            "스냅샷",
            "snapshot",
            "replica",
            "복제",
            "efs",
            "ebs",
            "s3",
        ],
    ),
];

fn default_domain(exam: &str) -> &'static str {
    if exam == "soa-c03" { "monitoring" } else { "performance" }
}

/// The domain of `exam` whose keywords show most in the section path (weighted
/// three to one) and the fact; the exam's default domain when none shows.
pub(super) fn classify(exam: &str, path: &str, fact: &str) -> String {
    let path = path.to_lowercase();
    let fact = fact.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for (_, domain, words) in DOMAINS.iter().filter(|(e, _, _)| *e == exam) {
        let score: usize = words
            .iter()
            .map(|w| 3 * usize::from(path.contains(w)) + usize::from(fact.contains(w)))
            .sum();
        if score > 0 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, domain));
        }
    }
    best.map_or_else(|| default_domain(exam).to_owned(), |(_, d)| d.to_owned())
}

/// The exam a section's tags name, SysOps paths going to SOA, else the default.
pub(super) fn exam_for(tags: &[String], path: &str, default_exam: &str) -> String {
    if tags.iter().any(|t| t == "SAA") {
        "saa-c03".into()
    } else if tags.iter().any(|t| t == "SOA" || t == "SYSOPS") || path.to_lowercase().contains("sysops") {
        "soa-c03".into()
    } else {
        default_exam.to_owned()
    }
}
