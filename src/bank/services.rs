//! What kind of thing an option names: a small catalog of AWS services and
//! features by the broad job they do. The lint uses it to find a distractor
//! that is a different kind of thing entirely from the key (a storage service
//! offered against a monitoring answer), which a candidate can rule out
//! without knowing either. Broad on purpose: a service does several jobs, and
//! only options that share none of them are flagged.

use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Compute,
    Storage,
    Database,
    Networking,
    Security,
    Operations,
    Integration,
    Analytics,
    Migration,
    Cost,
    MachineLearning,
    EndUser,
    MediaAndIot,
}

/// The broad field a category belongs to. Exam items fairly set services of
/// one field against each other (a Config rule against an SCP, a subnet
/// layout against a placement group, a CloudWatch alarm against an RDS event
/// subscription); a distractor from another field than both the key and the
/// situation is a throw-away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// Running, storing, connecting, securing, operating and paying for
    /// workloads: the associate exams' home ground, where every service is
    /// a fair alternative to another.
    Infrastructure,
    /// Messaging, APIs, streams and analytics.
    Application,
    MachineLearning,
    EndUser,
    MediaAndIot,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Self::Compute => "compute",
            Self::Storage => "storage",
            Self::Database => "database",
            Self::Networking => "networking",
            Self::Security => "security",
            Self::Operations => "operations",
            Self::Integration => "integration",
            Self::Analytics => "analytics",
            Self::Migration => "migration",
            Self::Cost => "cost",
            Self::MachineLearning => "machine learning",
            Self::EndUser => "end-user computing",
            Self::MediaAndIot => "media/IoT",
        }
    }

    pub fn field(self) -> Field {
        match self {
            Self::Compute
            | Self::Storage
            | Self::Database
            | Self::Networking
            | Self::Migration
            | Self::Security
            | Self::Operations
            | Self::Cost => Field::Infrastructure,
            Self::Integration | Self::Analytics => Field::Application,
            Self::MachineLearning => Field::MachineLearning,
            Self::EndUser => Field::EndUser,
            Self::MediaAndIot => Field::MediaAndIot,
        }
    }
}

use Category::*;

/// Lower-case names as they appear in option text (Korean text writes service
/// names in Latin letters too), with the jobs each does.
const CATALOG: &[(&[&str], &[Category])] = &[
    (
        &["ec2", "auto scaling", "launch template", "ami", "placement group"],
        &[Compute],
    ),
    (&["lambda"], &[Compute, Integration]),
    (&["fargate", "ecs", "eks", "kubernetes", "container"], &[Compute]),
    (
        &[
            "elastic beanstalk",
            "beanstalk",
            "aws batch",
            "lightsail",
            "app runner",
            "outposts",
        ],
        &[Compute],
    ),
    (
        &[
            "spot instance",
            "spot fleet",
            "reserved instance",
            "savings plan",
            "dedicated host",
            "on-demand",
        ],
        &[Compute, Cost],
    ),
    (
        &[
            "s3",
            "glacier",
            "ebs",
            "efs",
            "fsx",
            "instance store",
            "storage gateway",
        ],
        &[Storage],
    ),
    (
        &["aws backup", "snapshot", "replication", "lifecycle"],
        &[Storage, Operations],
    ),
    (
        &["enhanced monitoring", "performance insights", "database insights"],
        &[Database, Operations],
    ),
    (
        &[
            "rds",
            "aurora",
            "dynamodb",
            "elasticache",
            "memorydb",
            "documentdb",
            "neptune",
            "keyspaces",
            "timestream",
            "dax",
        ],
        &[Database],
    ),
    (&["redshift"], &[Database, Analytics]),
    (&["opensearch"], &[Database, Analytics]),
    (
        &[
            "vpc",
            "subnet",
            "nat gateway",
            "nat instance",
            "internet gateway",
            "route table",
            "elastic ip",
            "transit gateway",
            "vpc peering",
            "privatelink",
            "endpoint",
            "direct connect",
            "vpn",
            "global accelerator",
            "eni",
            "network interface",
        ],
        &[Networking],
    ),
    (
        &["route 53", "cloudfront", "load balancer", "alb", "nlb", "gwlb", "elb"],
        &[Networking],
    ),
    (
        &[
            "security group",
            "network acl",
            "nacl",
            "network firewall",
            "firewall manager",
        ],
        &[Networking, Security],
    ),
    (&["waf", "shield"], &[Networking, Security]),
    (
        &[
            "iam",
            "kms",
            "secrets manager",
            "guardduty",
            "macie",
            "inspector",
            "security hub",
            "cognito",
            "acm",
            "certificate manager",
            "cloudhsm",
            "detective",
            "identity center",
            "scp",
            "service control polic",
            "organizations",
            "mfa",
            "sts",
        ],
        &[Security],
    ),
    (
        &[
            "cloudwatch",
            "cloudtrail",
            "aws config",
            "config rule",
            "systems manager",
            "ssm",
            "session manager",
            "patch manager",
            "parameter store",
            "cloudformation",
            "health dashboard",
            "aws health",
            "x-ray",
            "control tower",
            "service catalog",
            "trusted advisor",
            "stacksets",
        ],
        &[Operations],
    ),
    (&["eventbridge"], &[Operations, Integration]),
    // Watching and recording is operations work whichever service it is about.
    (
        &[
            "log",
            "metric",
            "alarm",
            "event subscription",
            "monitoring",
            "dashboard",
            "notification",
            "로그",
            "지표",
            "경보",
            "알림",
            "모니터링",
        ],
        &[Operations],
    ),
    (
        &[
            "sqs",
            "sns",
            "step functions",
            "amazon mq",
            "api gateway",
            "appsync",
            "ses",
            "msk",
            "kafka",
        ],
        &[Integration],
    ),
    (&["kinesis", "firehose"], &[Integration, Analytics]),
    (&["athena", "glue", "emr", "quicksight", "lake formation"], &[Analytics]),
    (
        &[
            "dms",
            "database migration service",
            "datasync",
            "snowball",
            "snowcone",
            "snow family",
            "transfer family",
            "application migration service",
            "mgn",
            "schema conversion",
        ],
        &[Migration],
    ),
    (
        &[
            "cost explorer",
            "budgets",
            "cost and usage report",
            "compute optimizer",
            "pricing calculator",
            "cost anomaly",
        ],
        &[Cost, Operations],
    ),
    // Names that are also English words ("translate", "forecast") only count with the brand.
    (
        &[
            "sagemaker",
            "rekognition",
            "comprehend",
            "polly",
            "transcribe",
            "amazon translate",
            "textract",
            "amazon lex",
            "bedrock",
            "amazon forecast",
            "amazon personalize",
            "kendra",
        ],
        &[MachineLearning],
    ),
    (
        &["workspaces", "appstream", "chime", "amazon connect", "workmail"],
        &[EndUser],
    ),
    (
        &[
            "iot core",
            "greengrass",
            "elemental",
            "mediaconvert",
            "ivs",
            "kinesis video",
            "ground station",
            "gamelift",
        ],
        &[MediaAndIot],
    ),
];

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Whether `name` occurs in `text` as a whole word (Latin letters and digits
/// around it end a word; Hangul particles after a name do not matter).
fn mentions(text: &str, name: &str) -> bool {
    let mut from = 0;
    while let Some(at) = text[from..].find(name) {
        let start = from + at;
        let end = start + name.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        // Plurals ("endpoints", "snapshots") still name the thing.
        let after_ok = after.is_none_or(|c| {
            !is_word_char(c) || (c == 's' && text[end + 1..].chars().next().is_none_or(|d| !is_word_char(d)))
        });
        if before.is_none_or(|c| !is_word_char(c)) && after_ok {
            return true;
        }
        from = end;
    }
    false
}

/// The jobs of every service `text` names.
pub fn categories(text: &str) -> BTreeSet<Category> {
    let lower = text.to_lowercase();
    CATALOG
        .iter()
        .filter(|(names, _)| names.iter().any(|n| mentions(&lower, n)))
        .flat_map(|(_, cats)| cats.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_services_by_whole_word_in_either_language() {
        assert_eq!(categories("Amazon S3에 저장한다"), BTreeSet::from([Storage]));
        assert!(categories("Use Amazon EFS").contains(&Storage));
        assert!(categories("Create VPC endpoints").contains(&Networking));
        // "s3" inside another word is not S3; "rds" inside "records" is not RDS.
        assert!(categories("keep the records in a list").is_empty());
        assert!(categories("class3 objects").is_empty());
        assert_eq!(categories("Wait seven days and try again"), BTreeSet::new());
    }

    #[test]
    fn a_service_can_do_several_jobs() {
        let k = categories("Stream into Kinesis Data Firehose");
        assert!(k.contains(&Integration) && k.contains(&Analytics));
    }
}
