//! The log formats outsidein knows without configuration.
//!
//! Each entry names itself, says what it matches, and carries real sample
//! lines with the fields they must yield; `formats --check` and the unit
//! tests run every sample. Regexes are verbose: named groups are `time`,
//! `host`, `level`, `proc`, `pid`, `msg`, and for access logs `client`,
//! `method`, `path`, `status`, `rt` (request time) and `urt` (upstream
//! time). Order matters only for ties: more specific formats come first.
//! `\d` in these regexes means an ASCII digit: it is compiled as `[0-9]`
//! (see `format::ascii_digits`), unlike `\d` in a user's definition file.

use super::format::{Builtin, Sample};

const fn s(
    line: &'static str,
    time: Option<&'static str>,
    level: Option<&'static str>,
    msg: &'static str,
) -> Sample {
    Sample {
        line,
        time,
        level,
        msg,
    }
}

pub(crate) const BUILTIN: &[Builtin] = &[
    Builtin {
        name: "json",
        description: "JSON lines: pino, bunyan, winston, Docker json-file, journald JSON \
                      export, Postgres jsonlog, Elastic ECS; time, level and message keys \
                      found by name",
        regex: "",
        continuation_levels: &[],
        samples: &[
            s(
                r#"{"level":50,"time":1764862509453,"pid":20946,"hostname":"shop-demo-01","msg":"connect ECONNREFUSED 127.0.0.1:6379"}"#,
                Some("2025-12-04T15:35:09.453Z"),
                Some("error"),
                "connect ECONNREFUSED 127.0.0.1:6379",
            ),
            s(
                r#"{"level":"info","time":"2026-12-04T15:37:09.453Z","pid":20946,"hostname":"shop-prod-03","msg":"request completed"}"#,
                Some("2026-12-04T15:37:09.453Z"),
                Some("info"),
                "request completed",
            ),
            s(
                r#"{"name":"api","hostname":"h1","pid":7,"level":40,"msg":"slow query","time":"2026-12-04T15:35:01.100Z","v":0}"#,
                Some("2026-12-04T15:35:01.1Z"),
                Some("warn"),
                "slow query",
            ),
            s(
                r#"{"message":"Server listening","level":"info","timestamp":"2026-12-04T15:35:01.000Z"}"#,
                Some("2026-12-04T15:35:01Z"),
                Some("info"),
                "Server listening",
            ),
            s(
                r#"{"log":"Error: boom\n","stream":"stderr","time":"2026-12-04T15:35:01.123456789Z"}"#,
                Some("2026-12-04T15:35:01.123456789Z"),
                None,
                "Error: boom",
            ),
            s(
                r#"{"timestamp":"2026-12-04 15:35:01.123 UTC","user":"app","dbname":"shop","pid":23011,"error_severity":"FATAL","state_code":"53300","message":"sorry, too many clients already","backend_type":"client backend"}"#,
                Some("2026-12-04T15:35:01.123Z"),
                Some("fatal"),
                "sorry, too many clients already",
            ),
            s(
                r#"{"__REALTIME_TIMESTAMP":"1764862501000000","PRIORITY":"3","_HOSTNAME":"h1","MESSAGE":"unit failed"}"#,
                Some("2025-12-04T15:35:01Z"),
                Some("error"),
                "unit failed",
            ),
        ],
    },
    Builtin {
        name: "postgres-stderr",
        description: "PostgreSQL server log (stderr/syslog destination) whose log_line_prefix \
                      starts with %m or %t; DETAIL, HINT, STATEMENT and CONTEXT lines join the \
                      record before them",
        regex: r"(?x)
            ^(?P<time>\d{4}-\d\d-\d\d[\ T]\d\d:\d\d:\d\d(?:\.\d+)?(?:\ [A-Z]{2,5}|[+-]\d\d(?::?\d\d)?)?)
            \ +(?:\[(?P<pid>\d+)\](?:\ |\[\d+-\d+\]\ )?)?      # [pid] and optional [line]
            [^:]*?                                           # the rest of the prefix
            (?P<level>LOG|ERROR|FATAL|PANIC|WARNING|NOTICE|INFO|DEBUG\d?|DETAIL|HINT|STATEMENT|CONTEXT|QUERY|LOCATION):
            \ +(?P<msg>.*)$",
        continuation_levels: &["DETAIL", "HINT", "STATEMENT", "CONTEXT", "QUERY", "LOCATION"],
        samples: &[
            s(
                "2026-12-04 15:34:31.862 UTC [20824] LOG:  database system is ready to accept connections",
                Some("2026-12-04T15:34:31.862Z"),
                Some("info"),
                "database system is ready to accept connections",
            ),
            s(
                "2026-12-04 15:39:02.117 UTC [23011] app@shop FATAL:  sorry, too many clients already",
                Some("2026-12-04T15:39:02.117Z"),
                Some("fatal"),
                "sorry, too many clients already",
            ),
        ],
    },
    Builtin {
        name: "winston-text",
        description: "winston's simple/cli text: ISO time - level: message",
        regex: r"(?x)
            ^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)
            \ -\ (?P<level>[a-z]+):\ (?P<msg>.*?)\s*$",
        continuation_levels: &[],
        samples: &[s(
            "2020-10-12T07:29:54.112Z - emerg: TypeError: glob pattern string required ",
            Some("2020-10-12T07:29:54.112Z"),
            Some("fatal"),
            "TypeError: glob pattern string required",
        )],
    },
    Builtin {
        name: "redis",
        description: "Redis server log: pid:role day month year time, then a level mark",
        regex: r"(?x)
            ^(?P<pid>\d+):(?P<proc>[XCSM])\ +
            (?P<time>\d{1,2}\ [A-Z][a-z]{2}\ \d{4}\ \d\d:\d\d:\d\d(?:\.\d+)?)
            \ (?P<level>[.\-*\#])\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "20857:M 04 Dec 2026 15:34:32.933 # Server initialized",
            Some("2026-12-04T15:34:32.933Z"),
            Some("warn"),
            "Server initialized",
        )],
    },
    Builtin {
        name: "nginx-combined",
        description: "nginx or Apache access log, combined or common, optionally with \
                      request and upstream times appended",
        regex: r#"(?x)
            ^(?P<client>\S+)\ \S+\ \S+\ \[(?P<time>[^\]]+)\]\ 
            "(?P<method>[A-Z]+)\ (?P<path>\S+)(?:\ [^"]*)?"\ (?P<status>\d{3})\ (?:\d+|-)
            (?:\ "[^"]*"\ "[^"]*")?                          # referer, user agent
            (?:\ (?P<rt>[\d.]+|-))?(?:\ (?P<urt>[\d.,:\ ]+|-))?   # $request_time $upstream_response_time
            .*$"#,
        continuation_levels: &[],
        samples: &[
            s(
                r#"127.0.0.1 - - [04/Dec/2026:15:37:09 +0000] "GET /api/orders/recent HTTP/1.1" 200 2055 "-" "curl/7.88.1" 0.002 0.001"#,
                Some("2026-12-04T15:37:09Z"),
                Some("info"),
                "GET /api/orders/recent 200 OK",
            ),
            s(
                r#"10.0.0.5 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 503 2326"#,
                Some("2000-10-10T20:55:36Z"),
                Some("error"),
                "GET /apache_pb.gif 503 Service Unavailable",
            ),
        ],
    },
    Builtin {
        name: "nginx-error",
        description: "nginx error log: date time [level] pid#tid: *conn message",
        regex: r"(?x)
            ^(?P<time>\d{4}/\d\d/\d\d\ \d\d:\d\d:\d\d)\ \[(?P<level>[a-z]+)\]\ 
            (?P<pid>\d+)\#\d+:\ (?:\*\d+\ )?(?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "2026/12/04 15:39:02 [error] 20956#20956: *1761 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1",
            Some("2026-12-04T15:39:02Z"),
            Some("error"),
            "connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1",
        )],
    },
    Builtin {
        name: "apache-error",
        description: "Apache httpd error log: [ctime] [level] message (Loghub Apache)",
        regex: r"(?x)
            ^\[(?P<time>[A-Z][a-z]{2}\ [A-Z][a-z]{2}\ \d\d\ \d\d:\d\d:\d\d(?:\.\d+)?\ \d{4})\]
            \ \[(?:[a-z_]+:)?(?P<level>[a-z]+\d?)\]\ (?:\[pid\ (?P<pid>\d+)[^\]]*\]\ )?(?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6",
            Some("2005-12-04T04:47:44Z"),
            Some("error"),
            "mod_jk child workerEnv in error state 6",
        )],
    },
    Builtin {
        name: "haproxy",
        description: "HAProxy HTTP log through syslog: client [accept date] frontend \
                      backend/server timers status bytes ... \"request\"",
        regex: r#"(?x)
            ^.*?haproxy\[(?P<pid>\d+)\]:\ (?P<client>\S+)\ \[(?P<time>[^\]]+)\]\ \S+\ (?P<host>\S+)
            \ [\d/+-]+\ (?P<status>\d{3}|-1)\ .*?"(?P<method>[A-Z]+)\ (?P<path>\S+)[^"]*".*$"#,
        continuation_levels: &[],
        samples: &[s(
            r#"Dec  4 15:35:01 lb1 haproxy[1234]: 10.0.0.1:50000 [04/Dec/2026:15:35:01.123] web app/srv1 0/0/1/2/3 503 512 - - ---- 1/1/0/0/0 0/0 "GET /api/orders HTTP/1.1""#,
            Some("2026-12-04T15:35:01.123Z"),
            Some("error"),
            "GET /api/orders 503 Service Unavailable",
        )],
    },
    Builtin {
        name: "postgres-csvlog",
        description: "PostgreSQL csvlog: time, user, database, pid, ... severity, SQLSTATE, \
                      message as CSV columns",
        regex: r#"(?x)
            ^(?P<time>\d{4}-\d\d-\d\d\ \d\d:\d\d:\d\d(?:\.\d+)?\ [A-Z]{2,5}),
            (?:(?:"(?:[^"]|"")*"|[^,]*),){2}(?P<pid>\d*),(?:(?:"(?:[^"]|"")*"|[^,]*),){7}
            (?P<level>[A-Z]+\d?),[0-9A-Z]{5},"(?P<msg>(?:[^"]|"")*)".*$"#,
        continuation_levels: &[],
        samples: &[s(
            r#"2026-12-04 15:35:01.123 UTC,"app","shop",23011,"127.0.0.1:41234",656d2b1f.59e3,1,"startup",2026-12-04 15:35:01 UTC,,0,FATAL,53300,"sorry, too many clients already",,,,,,,,,"","client backend",,0"#,
            Some("2026-12-04T15:35:01.123Z"),
            Some("fatal"),
            "sorry, too many clients already",
        )],
    },
    Builtin {
        name: "android-logcat",
        description: "Android logcat threadtime: MM-dd time pid tid level tag: message (Loghub)",
        regex: r"(?x)
            ^(?P<time>\d\d-\d\d\ \d\d:\d\d:\d\d\.\d+)\ +(?P<pid>\d+)\ +\d+\ (?P<level>[VDIWEF])
            \ (?P<proc>.*?)\s*:\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogsopening app wtoken = AppWindowToken{9f4ef63 token=Token{a64f992 ActivityRecord{de9231d u0 com.tencent.qt.qtl/.activity.info.NewsDetailXmlActivity t761}}}, allDrawn= false, startingDisplayed =  false, startingMoved =  false, isRelaunching =  false",
            Some("2026-03-17T16:13:38.811Z"),
            Some("debug"),
            "printFreezingDisplayLogsopening app wtoken = AppWindowToken{9f4ef63 token=Token{a64f992 ActivityRecord{de9231d u0 com.tencent.qt.qtl/.activity.info.NewsDetailXmlActivity t761}}}, allDrawn= false, startingDisplayed =  false, startingMoved =  false, isRelaunching =  false",
        )],
    },
    Builtin {
        name: "healthapp",
        description: "HealthApp: yyyyMMdd-H:m:s:SSS|component|pid|message (Loghub)",
        regex: r"(?x)^(?P<time>\d{8}-\d{1,2}:\d{1,2}:\d{1,2}:\d{1,3})\|(?P<proc>[^|]+)\|(?P<pid>\d+)\|(?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579",
            Some("2017-12-23T22:15:29.606Z"),
            None,
            "onStandStepChanged 3579",
        )],
    },
    Builtin {
        name: "hpc",
        description: "HPC cluster log: id node component state epoch flag message (Loghub)",
        regex: r"(?x)^\d+\ (?P<host>\S+)\ (?P<proc>\S+)\ \S+\ (?P<time>\d{10})\ \d\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "460146 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change: Component \\042alt0\\042 is in the unavailable state (HWID=3180)",
            Some("2004-02-26T14:12:22Z"),
            None,
            "Component State Change: Component \\042alt0\\042 is in the unavailable state (HWID=3180)",
        )],
    },
    Builtin {
        name: "openstack",
        description: "OpenStack (oslo.log) with its file name first: file time pid LEVEL \
                      module [request] message (Loghub)",
        regex: r"(?x)
            ^(?P<file>\S+)\ (?P<time>\d{4}-\d\d-\d\d\ \d\d:\d\d:\d\d\.\d+)\ (?P<pid>\d+)
            \ (?P<level>[A-Z]+)\ (?P<proc>\S+)\ (?:\[[^\]]*\]\ )?(?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            r#"nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server [req-38101a0b-2096-447d-96ea-a692162415ae 113d3a99c3da401fbd62cc2caa5b96d2 54fadb412c4e40cdbaed9335e4c35a9e - - -] 10.11.10.1 "GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail HTTP/1.1" status: 200 len: 1893 time: 0.2477829"#,
            Some("2017-05-16T00:00:00.008Z"),
            Some("info"),
            r#"10.11.10.1 "GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail HTTP/1.1" status: 200 len: 1893 time: 0.2477829"#,
        )],
    },
    Builtin {
        name: "proxifier",
        description: "Proxifier: [MM.dd HH:mm:ss] program - message (Loghub)",
        regex: r"(?x)^\[(?P<time>\d\d\.\d\d\ \d\d:\d\d:\d\d)\]\ (?P<proc>.*?)\ -\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
            Some("2026-10-30T16:49:06Z"),
            None,
            "proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
        )],
    },
    Builtin {
        name: "thunderbird",
        description: "Thunderbird supercomputer: label epoch date node syslog line (Loghub)",
        regex: r"(?x)
            ^(?P<label>\S+)\ (?P<time>\d{10})\ \d{4}\.\d\d\.\d\d\ (?P<host>\S+)\ [A-Z][a-z]{2}\ +\d{1,2}
            \ \d\d:\d\d:\d\d\ \S+\ (?P<proc>[^:\[]+)(?:\[(?P<pid>\d+)\])?:\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond(pam_unix)[2915]: session closed for user root",
            Some("2005-11-09T20:01:01Z"),
            None,
            "session closed for user root",
        )],
    },
    Builtin {
        name: "windows-cbs",
        description: "Windows CBS log: time, Level  component  message (Loghub)",
        regex: r"(?x)^(?P<time>\d{4}-\d\d-\d\d\ \d\d:\d\d:\d\d),\ (?P<level>\w+)\ +(?P<proc>\S+)\ +(?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack v6.1.7601.23505 with Core: C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_6.1.7601.23505_none_681aa442f6fed7f0\\cbscore.dll",
            Some("2016-09-28T04:30:30Z"),
            Some("info"),
            "Loaded Servicing Stack v6.1.7601.23505 with Core: C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_6.1.7601.23505_none_681aa442f6fed7f0\\cbscore.dll",
        )],
    },
    Builtin {
        name: "klog",
        description: "Kubernetes klog/glog: Lmmdd hh:mm:ss.uuuuuu pid file:line] message",
        regex: r"(?x)^(?P<level>[IWEF])(?P<time>\d{4}\ \d\d:\d\d:\d\d\.\d+)\ +(?P<pid>\d+)\ (?P<proc>[^\]]+)\]\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "E1204 15:35:01.123456    1234 reflector.go:138] failed to list *v1.Pod: connection refused",
            Some("2026-12-04T15:35:01.123456Z"),
            Some("error"),
            "failed to list *v1.Pod: connection refused",
        )],
    },
    Builtin {
        name: "java-util-logging",
        description: "java.util.logging SimpleFormatter: a date line with class and method, \
                      the level and message on the next line",
        regex: r"(?x)^(?P<time>[A-Z][a-z]{2}\ \d{1,2},\ \d{4}\ \d{1,2}:\d\d:\d\d\ [AP]M)\ (?P<proc>\S+)\ (?P<msg>\S+)$",
        continuation_levels: &[],
        samples: &[s(
            "Dec 04, 2026 3:35:01 PM org.example.Pool acquire",
            Some("2026-12-04T15:35:01Z"),
            None,
            "acquire",
        )],
    },
    Builtin {
        name: "syslog-rfc5424",
        description: "syslog RFC 5424: <pri>version timestamp host app procid msgid sd message",
        regex: r"(?x)
            ^<(?P<pri>\d{1,3})>\d\ (?P<time>\S+)\ (?P<host>\S+)\ (?P<proc>\S+)\ (?P<pid>\S+)
            \ \S+\ (?:-|(?:\[[^\]]*\])+)\ ?(?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "<34>1 2026-12-04T15:35:01.003Z shop-demo-01 su - ID47 - 'su root' failed for lonvick on /dev/pts/8",
            Some("2026-12-04T15:35:01.003Z"),
            Some("fatal"),
            "'su root' failed for lonvick on /dev/pts/8",
        )],
    },
    Builtin {
        name: "syslog-iso",
        description: "rsyslog high-precision or journalctl -o short-iso: ISO time host \
                      program[pid]: message",
        regex: r"(?x)
            ^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d))
            \ (?P<host>\S+)\ (?P<proc>[^\s\[:]+)(?:\[(?P<pid>\d+)\])?:\ ?(?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "2026-12-04T15:36:22.081538+00:00 shop-prod-03 svc[20943]: shop-import-worker: Main process exited, code=killed, status=6/ABRT",
            Some("2026-12-04T15:36:22.081538Z"),
            Some("error"),
            "shop-import-worker: Main process exited, code=killed, status=6/ABRT",
        )],
    },
    Builtin {
        name: "syslog-rfc3164",
        description: "BSD syslog and journalctl short output: Mmm dd hh:mm:ss host \
                      program[pid]: message (year taken from the collection time)",
        regex: r"(?x)
            ^(?:<\d{1,3}>)?(?P<time>[A-Z][a-z]{2}\ [\ \d]\d\ \d\d:\d\d:\d\d(?:\.\d+)?)
            \ (?P<host>\S+)\                                   # host
            (?:(?P<proc>[^\s\[:]+(?:\([^)]*\))?(?:\ [\d.]+)?)   # tag, maybe `name(sub)` or `name 1.4.1`
               (?:\[(?P<pid>\d+)\])?:\ ?)?                      # [pid]: (a tag is optional)
            \ *(?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[
            s(
                "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",
                Some("2026-12-10T06:55:46Z"),
                None,
                "Invalid user webmaster from 173.234.31.186",
            ),
            s(
                "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0",
                Some("2026-06-14T15:16:01Z"),
                Some("error"),
                "authentication failure; logname= uid=0",
            ),
        ],
    },
    Builtin {
        name: "kernel-dmesg",
        description: "kernel ring buffer: [seconds since boot] message (dmesg raw)",
        regex: r"(?x)^\[\ *(?P<uptime>\d+\.\d+)\]\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "[ 5421.123456] Out of memory: Killed process 25240 (node) total-vm:1234kB",
            None,
            Some("fatal"),
            "Out of memory: Killed process 25240 (node) total-vm:1234kB",
        )],
    },
    Builtin {
        name: "kernel-dmesg-ctime",
        description: "dmesg -T: [Www Mmm dd hh:mm:ss yyyy] message",
        regex: r"(?x)
            ^\[(?P<time>[A-Z][a-z]{2}\ [A-Z][a-z]{2}\ [\ \d]\d\ \d\d:\d\d:\d\d\ \d{4})\]\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "[Fri Dec  4 15:36:20 2026] oom-kill:constraint=CONSTRAINT_NONE,task=node,pid=25240",
            Some("2026-12-04T15:36:20Z"),
            None,
            "oom-kill:constraint=CONSTRAINT_NONE,task=node,pid=25240",
        )],
    },
    Builtin {
        name: "kernel-dmesg-iso",
        description: "dmesg --time-format iso: ISO time with comma fraction and offset, message",
        regex: r"(?x)^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d+[+-]\d\d:\d\d)\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "2026-12-04T15:36:20,123456+00:00 Out of memory: Killed process 25240 (node) total-vm:1234kB",
            Some("2026-12-04T15:36:20.123456Z"),
            Some("fatal"),
            "Out of memory: Killed process 25240 (node) total-vm:1234kB",
        )],
    },
    Builtin {
        name: "cri",
        description: "Kubernetes CRI container log: RFC 3339 time, stream, P/F tag, message",
        regex: r"(?x)^(?P<time>\d{4}-\d\d-\d\dT\S+)\ (?P<proc>stdout|stderr)\ [PF]\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "2026-12-04T15:35:01.123456789Z stderr F Error: connect ECONNREFUSED 10.0.0.7:5432",
            Some("2026-12-04T15:35:01.123456789Z"),
            Some("error"),
            "Error: connect ECONNREFUSED 10.0.0.7:5432",
        )],
    },
    Builtin {
        name: "heroku",
        description: "Heroku router and dyno lines: time source[dyno]: message",
        regex: r"(?x)
            ^(?P<time>\d{4}-\d\d-\d\dT\S+)\ (?P<host>app|heroku)\[(?P<proc>[\w.]+)\]:\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            r#"2026-12-04T15:35:01.123456+00:00 heroku[router]: at=error code=H12 desc="Request timeout" method=GET path="/"#,
            Some("2026-12-04T15:35:01.123456Z"),
            Some("error"),
            r#"at=error code=H12 desc="Request timeout" method=GET path="/"#,
        )],
    },
    Builtin {
        name: "aws-alb",
        description: "AWS ALB/ELB access log: type time elb client target times status",
        regex: r#"(?x)
            ^(?:https?|h2|ws|wss)\ (?P<time>\d{4}-\d\d-\d\dT\S+Z)\ (?P<host>\S+)\ (?P<client>\S+)
            \ \S+\ [\d.-]+\ (?P<urt>[\d.-]+)\ [\d.-]+\ (?P<status>\d{3}|-)\ \S+\ \d+\ \d+
            \ "(?P<method>[A-Z-]+)\ (?P<path>\S+)[^"]*".*$"#,
        continuation_levels: &[],
        samples: &[s(
            r#"http 2026-12-04T15:35:01.123456Z app/my-lb/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 502 502 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elb"#,
            Some("2026-12-04T15:35:01.123456Z"),
            Some("error"),
            "GET http://www.example.com:80/ 502 Bad Gateway",
        )],
    },
    Builtin {
        name: "mysql-error",
        description: "MySQL 8 error log: time thread [Level] [code] [subsystem] message",
        regex: r"(?x)
            ^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))\ (?P<pid>\d+)
            \ \[(?P<level>\w+)\](?:\ \[[^\]]*\])*\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "2026-12-04T15:35:01.123456Z 8 [Warning] [MY-010055] [Server] IP address '10.0.0.9' could not be resolved",
            Some("2026-12-04T15:35:01.123456Z"),
            Some("warn"),
            "IP address '10.0.0.9' could not be resolved",
        )],
    },
    Builtin {
        name: "rails",
        description: "Ruby Logger / Rails: L, [time #pid]  LEVEL -- progname: message",
        regex: r"(?x)
            ^[DIWEFA],\ \[(?P<time>[^\ \]]+)\ \#(?P<pid>\d+)\]\ +(?P<level>[A-Z]+)\ --\ [^:]*:\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "E, [2026-12-04T15:35:01.123456 #1234] ERROR -- : PG::ConnectionBad: FATAL:  sorry, too many clients already",
            Some("2026-12-04T15:35:01.123456Z"),
            Some("error"),
            "PG::ConnectionBad: FATAL:  sorry, too many clients already",
        )],
    },
    Builtin {
        name: "zookeeper",
        description: "Log4j with ' - LEVEL  [thread:class@line] - ' (ZooKeeper, Loghub)",
        regex: r"(?x)
            ^(?P<time>\d{4}-\d\d-\d\d\ \d\d:\d\d:\d\d,\d+)\ -\ (?P<level>[A-Z]+)\ +
            \[(?P<proc>.*?)\]\ -\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200",
            Some("2015-07-29T17:41:44.747Z"),
            Some("info"),
            "Notification time out: 3200",
        )],
    },
    Builtin {
        name: "python-logging",
        description: "Python logging default-ish: time - name - LEVEL - message",
        regex: r"(?x)
            ^(?P<time>\d{4}-\d\d-\d\d\ \d\d:\d\d:\d\d(?:[,.]\d+)?)\ -\ (?P<proc>\S+)
            \ -\ (?P<level>[A-Z]+)\ -\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "2026-12-04 15:35:01,123 - sync.worker - ERROR - timeout talking to api.example.com",
            Some("2026-12-04T15:35:01.123Z"),
            Some("error"),
            "timeout talking to api.example.com",
        )],
    },
    Builtin {
        name: "log4j",
        description: "Log4j/Logback pattern: time LEVEL [thread] logger: message (Hadoop, Loghub)",
        regex: r"(?x)
            ^(?P<time>\d{4}-\d\d-\d\d[\ T]\d\d:\d\d:\d\d(?:[,.]\d+)?)\ +(?P<level>TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|SEVERE)
            \ +\[(?P<proc>[^\]]*)\]\ +(?:(?P<logger>[\w.$]+)(?::|\ -)\ )?(?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1445144423722_0020_000001",
            Some("2015-10-18T18:01:47.978Z"),
            Some("info"),
            "Created MRAppMaster for application appattempt_1445144423722_0020_000001",
        )],
    },
    Builtin {
        name: "spark",
        description: "Spark/Log4j short: yy/MM/dd HH:mm:ss LEVEL logger: message (Loghub)",
        regex: r"(?x)
            ^(?P<time>\d\d/\d\d/\d\d\ \d\d:\d\d:\d\d)\ (?P<level>[A-Z]+)\ (?P<logger>[\w.$]+):\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls to: yarn,curi",
            Some("2017-06-09T20:10:40Z"),
            Some("info"),
            "Changing view acls to: yarn,curi",
        )],
    },
    Builtin {
        name: "hdfs",
        description: "HDFS: yyMMdd HHmmss pid LEVEL class: message (Loghub)",
        regex: r"(?x)
            ^(?P<time>\d{6}\ \d{6})\ (?P<pid>\d+)\ (?P<level>[A-Z]+)\ (?P<logger>[\w.$]+):\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating",
            Some("2008-11-09T20:36:15Z"),
            Some("info"),
            "PacketResponder 1 for block blk_38865049064139660 terminating",
        )],
    },
    Builtin {
        name: "bgl",
        description: "Blue Gene/L RAS: label epoch date node time node type component level \
                      message (Loghub)",
        regex: r"(?x)
            ^(?P<label>\S+)\ (?P<epoch>\d{9,10})\ \d{4}\.\d\d\.\d\d\ (?P<host>\S+)
            \ (?P<time>\d{4}-\d\d-\d\d-\d\d\.\d\d\.\d\d\.\d+)\ \S+\ (?P<proc>\S+\ \S+)
            \ (?P<level>[A-Z]+)\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",
            Some("2005-06-03T15:42:50.675872Z"),
            Some("info"),
            "instruction cache parity error corrected",
        )],
    },
    Builtin {
        name: "go-log",
        description: "Go standard library log: yyyy/MM/dd HH:mm:ss[.micro] message",
        regex: r"(?x)^(?P<time>\d{4}/\d\d/\d\d\ \d\d:\d\d:\d\d(?:\.\d+)?)\ (?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "2026/12/04 15:35:01 http: TLS handshake error from 10.0.0.3:52144: EOF",
            Some("2026-12-04T15:35:01Z"),
            Some("error"),
            "http: TLS handshake error from 10.0.0.3:52144: EOF",
        )],
    },
    Builtin {
        name: "logfmt",
        description: "logfmt key=value lines with a time or ts key (Go, Heroku, Grafana)",
        regex: "",
        continuation_levels: &[],
        samples: &[s(
            r#"time="2026-12-04T15:35:01Z" level=error msg="dial tcp 10.0.0.8:6379: i/o timeout" component=cache"#,
            Some("2026-12-04T15:35:01Z"),
            Some("error"),
            "dial tcp 10.0.0.8:6379: i/o timeout",
        )],
    },
    Builtin {
        name: "time-level-message",
        description: "generic: ISO-like time, optional [thread], a level word, message",
        regex: r"(?x)
            ^\[?(?P<time>\d{4}-\d\d-\d\d[\ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d|\ [A-Z]{3})?)\]?
            \ +(?:\[[^\]]*\]\ +)?\[?(?P<level>TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|SEVERE|trace|debug|info|warn|warning|error|fatal)\]?:?
            \ +(?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "2026-12-04T15:35:01.123Z ERROR worker crashed: TypeError: client.ref is not a function",
            Some("2026-12-04T15:35:01.123Z"),
            Some("error"),
            "worker crashed: TypeError: client.ref is not a function",
        )],
    },
    Builtin {
        name: "time-message",
        description: "generic fallback: an ISO-like time, then the message",
        regex: r"(?x)
            ^\[?(?P<time>\d{4}-\d\d-\d\d[\ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d|\ [A-Z]{3})?)\]?
            [\ :]+(?P<msg>.*)$",
        continuation_levels: &[],
        samples: &[s(
            "2026-12-04 15:35:01 Starting nightly sync",
            Some("2026-12-04T15:35:01Z"),
            None,
            "Starting nightly sync",
        )],
    },
Builtin {
        name: "plain",
        description: "last resort: lines with no time; a line that starts with space, `at ` \
                      or `Caused by` continues the one before (pasted errors and stack traces), \
                      as do the other lines of a runtime's dump (a traceback's last line, a \
                      goroutine's function line)",
        regex: "",
        continuation_levels: &[],
        samples: &[s(
            "TypeError: client.ref is not a function",
            None,
            Some("error"),
            "TypeError: client.ref is not a function",
        )],
    },
];
