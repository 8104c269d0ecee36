//! Every user-visible string, in Chinese (the default) and English. Panels never hold string
//! literals: they ask [`tr`] for a [`T`] key.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

macro_rules! strings {
    ($($key:ident => $zh:literal, $en:literal;)*) => {
        /// A user-visible string.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum T { $($key),* }

        impl T {
            pub const ALL: &'static [T] = &[$(T::$key),*];
        }

        /// The text of `key` in `lang`.
        pub fn tr(lang: Lang, key: T) -> &'static str {
            match (key, lang) {
                $((T::$key, Lang::Zh) => $zh, (T::$key, Lang::En) => $en,)*
            }
        }
    };
}

strings! {
    AppTitle => "一张图 · OneMap", "一张图 · OneMap";
    Layers => "图层", "Layers";
    Basemap => "底图", "Basemap";
    BasemapVisible => "显示底图", "Show basemap";
    Buildings => "建筑", "Buildings";
    Labels => "路名与地名", "Street and place names";
    ThemeDay => "日间", "Day";
    ThemeNight => "夜间", "Night";
    Overlays => "叠加图层", "Overlays";
    Legend => "图例", "Legend";
    SwitchLanguage => "English", "中文";
    FeedDisconnected => "实时数据：未接入", "Live feed: not connected";
    ZoomIn => "放大", "Zoom in";
    ZoomOut => "缩小", "Zoom out";
    Home => "全城", "Whole city";
    Cursor => "光标", "Cursor";
    Zoom => "级别", "Zoom";
    TilesPending => "瓦片渲染中", "Tiles rendering";
    TileErrors => "瓦片错误", "Tile errors";
    Data => "数据", "Data";
    RoadsKm => "公里道路", "km of roads";
    BuildingsCount => "栋建筑", "buildings";
    Addresses => "个门牌地址", "addresses";
    Attribution => "© OpenStreetMap 贡献者，ODbL", "© OpenStreetMap contributors, ODbL";
    Kilometres => "公里", "km";
    Unnamed => "（无名称）", "(unnamed)";
    SourceRendered => "本地渲染（OSM 数据）", "Rendered locally from OSM data";
    SourceUser => "用户瓦片", "User tiles";
    Beats => "警格", "Patrol beats";
    Cameras => "摄像头", "Cameras";
    CameraCluster => "摄像头聚合（数量）", "Camera cluster (count)";
    Posts => "快反点与警务站", "Posts and workstations";
    StationsLayer => "派出所、消防站、医院", "Police, fire, hospitals";
    GeneratedData => "示例数据（由 OSM 自动生成）", "Sample data (generated from OSM)";
    Search => "搜索", "Search";
    SearchHint => "编号、名称、街道、门牌…", "id, name, street, address…";
    NoResults => "无结果", "No results";
    Inspector => "详情", "Details";
    Close => "关闭", "Close";
    Id => "编号", "ID";
    Name => "名称", "Name";
    Kind => "类型", "Kind";
    Station => "所属派出所", "Station";
    Officers => "在岗警力", "Officers on duty";
    AreaType => "区域类型", "Area type";
    Heading => "朝向（度）", "Heading (°)";
    Fov => "视角（度）", "Field of view (°)";
    Range => "可视距离（米）", "Range (m)";
    Status => "状态", "Status";
    StaffedHours => "值守时间", "Staffed hours";
    Position => "位置", "Position";
    Online => "在线", "Online";
    Offline => "离线", "Offline";
    InBeat => "所在警格", "In beat";
    CamerasInBeat => "警格内摄像头", "Cameras in this beat";
    PostsInBeat => "警格内岗点", "Posts in this beat";
    CamerasSeeing => "可看到此处的摄像头", "Cameras that see this point";
    NearestPosts => "最近的岗点", "Nearest posts";
    NearestStation => "最近的派出所", "Nearest police station";
    BeatsOfStation => "负责的警格", "Beats it is responsible for";
    Point => "地图上的点", "Point on the map";
    None_ => "无", "none";
    Problems => "数据问题", "Data problems";
    NoProblems => "图层文件无问题", "No problems in the layer files";
    EditMode => "编辑模式（规划）", "Edit mode (planning)";
    AddCamera => "添加摄像头", "Add camera";
    AddPost => "添加岗点", "Add post";
    DeleteSelected => "删除所选", "Delete selected";
    Undo => "撤销", "Undo";
    Redo => "重做", "Redo";
    Save => "保存", "Save";
    Saved => "已保存到", "Saved to";
    SaveFailed => "保存失败", "Save failed";
    Unsaved => "项未保存的修改", "unsaved changes";
    ClickToPlace => "在地图上单击放置", "Click on the map to place it";
    KindPublic => "公共视频（天网）", "Public (city network)";
    KindCommunity => "社区（雪亮）", "Community";
    KindTraffic => "交通", "Traffic";
    KindLinkedPrivate => "社会联网", "Linked private";
    KindQuick => "快反点", "Quick-response post";
    KindWorkstation => "警务站", "Police workstation";
    KindCheckpoint => "检查站", "Checkpoint";
    AreaUrban => "城区", "Urban";
    AreaSuburban => "城郊", "Suburban";
    AreaRural => "乡村", "Rural";
    AreaIndustrial => "工业区", "Industrial";
    KindPolice => "派出所", "Police station";
    KindFire => "消防站", "Fire station";
    KindHospital => "医院", "Hospital";
    Street => "街道", "Street";
    Address => "地址", "Address";
    Place => "地名", "Place";
    Poi => "兴趣点", "Point of interest";
    Metres => "米", "m";
    Planning => "快速反应圈与覆盖", "Response rings and coverage";
    PlannerOn => "规划模式（拖动岗点即时重算）", "Planner mode (drag a post to recompute)";
    TravelMode => "出警方式", "Travel mode";
    ModeCar => "警车", "Patrol car";
    ModeMotorbike => "摩托车", "Motorbike";
    ModeEBike => "电动自行车/志愿者", "E-bike / volunteers";
    ModeFoot => "步行", "On foot";
    Turnout => "出动准备（秒）", "Turnout (s)";
    Rings => "1/3/5 分钟反应圈", "1/3/5-minute rings";
    RingsFor => "反应圈：", "Rings from: ";
    AllPosts => "全部岗点", "all posts";
    GapLayer => "未覆盖道路（盲区）", "Uncovered roads (gaps)";
    Minutes => "分钟", "min";
    WithinMinutes => "分钟内", "min";
    RoadShare => "道路", "Roads";
    AddressShare => "门牌", "Addresses";
    DemandShare => "需求", "Demand";
    CoverageTable => "各警格覆盖率", "Coverage by beat";
    CityWide => "全城", "Whole city";
    ExportPlan => "导出（GeoJSON + CSV）", "Export (GeoJSON + CSV)";
    Exported => "已导出到", "Exported to";
    ExportFailed => "导出失败", "Export failed";
    GraphLoading => "路网加载中…", "Loading the road network…";
    GraphReady => "路网节点", "road nodes";
    ComputedIn => "计算用时", "computed in";
    NotPlaced => "无法放到路网上", "not on the road network";
    GapKm => "公里未覆盖", "km uncovered";
    FeedConnected => "实时数据：已连接", "Live feed: connected";
    FeedConnecting => "实时数据：连接中…", "Live feed: connecting…";
    FeedReconnecting => "实时数据：重连中", "Live feed: reconnecting";
    FeedStale => "实时数据：数据陈旧", "Live feed: data stale";
    SecondsShort => "秒", "s";
    AttemptN => "第 {} 次", "attempt {}";
    UnitsCount => "个单位", "units";
    OpenIncidents => "起在办警情", "open incidents";
    IncidentQueue => "警情队列", "Incident queue";
    NoIncidents => "暂无警情", "No incidents";
    Age => "时长", "Age";
    Priority => "级别", "Priority";
    CatTheft => "盗窃", "Theft";
    CatRobbery => "抢劫", "Robbery";
    CatAssault => "伤害", "Assault";
    CatDispute => "纠纷", "Dispute";
    CatTraffic => "交通事故", "Traffic accident";
    CatFire => "火情", "Fire";
    CatMedical => "急救", "Medical";
    CatSuspicious => "可疑情况", "Suspicious activity";
    CatOther => "其他", "Other";
    StNew => "待派", "New";
    StDispatched => "已派", "Dispatched";
    StEnRoute => "在途", "En route";
    StOnScene => "到场", "On scene";
    StCleared => "已结", "Cleared";
    StCancelled => "已撤", "Cancelled";
    UnitAvailable => "空闲", "Available";
    FootPatrol => "步巡", "Foot patrol";
    Drone => "无人机", "Drone";
    Speed => "速度", "Speed";
    LastFix => "定位于", "Last fix";
    AssignedUnits => "出警单位", "Assigned units";
    UnitOffDuty => "下勤", "Off duty";
    ReverseRings => "反向：谁能在时限内到达此处", "Reverse: who can reach here in time";
    ReverseRingsHint => "显示能在 1/3/5 分钟内到达所选位置的道路范围", "Roads from which the selected place is reached within 1/3/5 minutes";
    Recommended => "推荐警力", "Recommended units";
    RecommendWaiting => "正在计算路网到达时间…", "Computing road travel times…";
    RecommendNone => "没有可派的空闲单位", "No available unit to send";
    DispatchKey => "派警", "Dispatch";
    DispatchHint => "派出此单位（D 派出选中或第一位）", "Send this unit (D sends the chosen or first one)";
    MoreUnits => "另有 {n} 个单位，到达时间均不少于 {t}", "{n} more units, none faster than {t}";
    Unplaced => "{n} 个单位无法上路", "{n} units not on the road network";
    ChosenRoute => "路线", "Route";
    Eta => "预计到达", "ETA";
    CoverageImpact => "覆盖影响：若 {u} 离开", "Coverage impact if {u} leaves";
    CityCoverage => "全市 1 分钟 {a} → {b} · 3 分钟 {c} → {d}", "City 1 min {a} → {b} · 3 min {c} → {d}";
    BeatsFalling => "覆盖下降的辖区", "Beats losing coverage";
    NoBeatsFalling => "没有辖区的覆盖下降", "No beat loses coverage";
    MoveUpSuggest => "建议调防：{u} → {p}（3 分钟 +{g} 个地址）", "Move-up: {u} → {p} (+{g} addresses within 3 min)";
    MoveUpApply => "执行调防", "Apply move-up";
    NoMoveUp => "没有能补回覆盖的调防", "No move-up restores coverage";
    Arrived => "到场", "Arrived";
    ClearIncident => "结案", "Clear";
    CancelIncident => "撤销", "Cancel";
    ReassignTo => "改派给 {u}", "Reassign to {u}";
    StandDown => "收队", "Stand down";
    Acknowledge => "确认", "Acknowledge";
    Acknowledged => "已确认", "Acknowledged";
    CallToDispatch => "报警→派警", "Call to dispatch";
    DispatchToArrival => "派警→到场", "Dispatch to arrival";
    ResponseFigures => "响应：报警→派警 中位 {a}（{n} 起）· 派警→到场 中位 {b}（{m} 起）", "Response: call→dispatch median {a} ({n}) · dispatch→arrival median {b} ({m})";
    QueueKeys => "J/K 上下 · Enter 打开 · D 派警 · A 确认 · R 到场 · C 结案 · 1–8 选择", "J/K next/prev · Enter open · D dispatch · A acknowledge · R arrived · C clear · 1–8 choose";
    AuditLog => "审计日志", "Audit log";
    AuditRefresh => "刷新", "Refresh";
    AuditExport => "导出 CSV", "Export CSV";
    AuditEmpty => "暂无记录", "No entries yet";
    Pending => "等待答复…", "Waiting for the server…";
    KindFilter => "单位类型", "Unit kinds";
    PostedAt => "调防至", "Posted at";
    CommandsNeedFeed => "实时数据未连接：指令无法发送", "The feed is not connected: commands cannot be sent";
    SignedInAs => "{n}（{r}）", "{n} ({r})";
    SignedInHover => "登录身份：{n}，角色：{r}", "Signed in as {n}, role {r}";
    RoleMayNot => "您的角色（{r}）无权执行：{c}", "Your role ({r}) may not: {c}";
    FeedRefused => "实时数据：拒绝登录", "Live feed: sign-in refused";
    RefusedForbidden => "角色 {r} 无权执行 {c}", "role {r} may not {c}";
    Callback => "回拨号码", "Callback";
    Notes => "备注", "Notes";
    PrivateNote => "（内部）", "(private)";
    RoleAdmin => "管理员", "admin";
    RoleCommander => "指挥员", "commander";
    RoleCallTaker => "接警员", "call-taker";
    RolePlanner => "规划员", "planner";
    RoleWall => "大屏", "wall display";
    RoleViewer => "只读", "viewer";
    RoleDevice => "终端", "device";
    RoleGateway => "网关", "gateway";
    CmdDispatch => "派警", "Dispatch";
    CmdUnitStatus => "单位状态", "Unit status";
    CmdIncidentStatus => "警情状态", "Incident status";
    CmdReassign => "改派", "Reassign";
    CmdMoveUp => "调防", "Move-up";
    CmdSignOn => "上线", "Sign on";
    CmdSignOff => "下线", "Sign off";
    CmdReportPosition => "位置上报", "Position report";
    CmdCreateIncident => "接警", "New call";
    CmdAuditQuery => "查看审计日志", "Read the audit log";
    CmdAuditNote => "审计记录", "Audit note";
    CmdOther => "指令", "Command";
    CommandDone => "{c}：已执行", "{c}: done";
    CommandRefused => "{c}：未执行（{r}）", "{c}: not carried out ({r})";
    UnsentNotConnected => "{c}：未发送，未连接到实时数据服务器", "{c}: not sent, not connected to the feed server";
    UnsentBusy => "{c}：未发送，待发指令过多", "{c}: not sent, too many commands waiting";
    UnsentExpired => "{c}：未发送，已超过时限", "{c}: not sent, its deadline passed";
    NoAnswer => "{c}：服务器在 {t} 前未答复，此后不会执行，请核对状态", "{c}: no answer from the server by {t}; it will not be carried out after that, check the state";
    RefusedExpired => "已过时限，服务器未执行", "its deadline had passed, the server did not act";
    RefusedNoDeadline => "缺少时限", "no deadline given";
    RefusedNoIncident => "无此警情 {i}", "no incident {i}";
    RefusedNoUnit => "无此单位 {u}", "no unit {u}";
    RefusedUnitBusy => "冲突：{u} 不可用（{s}）", "conflict: {u} is not available ({s})";
    RefusedClosed => "警情 {i} 已{s}", "incident {i} is {s}";
    RefusedTransition => "{i} 不能从“{a}”变为“{b}”", "{i} cannot go from {a} to {b}";
    RefusedNotAssigned => "{u} 未派往 {i}", "{u} is not assigned to {i}";
    RefusedInvalid => "无效的 {f}：{r}", "invalid {f}: {r}";
    Dismiss => "关闭此提示", "Dismiss";
    BandLate => "实时数据延迟 · 截至 {t}", "Live data late · as of {t}";
    BandLost => "实时数据中断 · 截至 {t}", "Live data lost · as of {t}";
    BandNoData => "尚未收到实时数据：{u}", "No live data yet: {u}";
    BandUnreachable => "无法连接 {u}：{e}", "Cannot reach {u}: {e}";
    BandRefusedLogin => "服务器 {u} 拒绝登录：{e}", "The server {u} refused the sign-in: {e}";
    QueueLastKnown => "最后已知（截至 {t}）", "last known (as of {t})";
    QueueNoData => "尚未收到警情数据", "No incident data received yet";
    StaleRecommendation => "推荐基于 {t} 的数据，已过时", "Recommendation from data as of {t}: stale";
    AckedBy => "{n} 于 {t} 确认", "acknowledged by {n} at {t}";
    SentUnits => "已派单位", "Units sent";
    EtaLeft => "预计 {t} 到达", "ETA {t}";
    Reinforce => "增派单位", "Send another unit";
    UnitBoard => "单位状态表", "Unit board";
    ColCallSign => "呼号", "Call sign";
    ColKind => "类型", "Kind";
    ColStatus => "状态", "Status";
    ColIncident => "警情", "Incident";
    ColInStatus => "状态时长", "In status";
    ColFix => "定位", "Last fix";
    ColTime => "时间", "Time";
    ColOperator => "操作者", "Operator";
    ColAction => "操作", "Action";
    ColUnit => "单位", "Unit";
    ColResult => "结果", "Result";
    ColDetail => "详情", "Details";
    FilterText => "筛选…", "Filter…";
    AllStatuses => "全部状态", "All statuses";
    SetAvailable => "设为空闲", "Set available";
    SetOffDuty => "设为下班", "Set off duty";
    AllActions => "全部操作", "All actions";
    AnyTime => "全部时间", "Any time";
    LastHours => "最近 {n} 小时", "Last {n} h";
    AuditSaveTo => "保存到：", "Save to:";
    SaveFile => "保存", "Save";
    CancelDialog => "取消", "Cancel";
    AuditSaved => "已保存 {p}", "Saved {p}";
    AuditSaveFailed => "无法保存 {p}：{e}", "Could not save {p}: {e}";
    ActRecommendation => "推荐", "Recommendation";
    ActResult => "结果", "Result";
    ActSession => "会话", "Session";
    ActDenied => "拒绝", "Denied";
    ActIdentity => "身份变更", "Identity change";
    LiveLayers => "实时图层", "Live layers";
    LiveUnits => "单位", "Units";
    LiveIncidents => "警情", "Incidents";
    Ok => "成功", "OK";
    Failed => "失败", "failed";
    DetailRanked => "推荐：{l}", "Ranked: {l}";
    DetailDispatch => "派 {u} 前往 {i}", "Send {u} to {i}";
    DetailRank => "（推荐第 {r}）", " (rank {r})";
    DetailStatus => "{x} → {s}", "{x} → {s}";
    DetailCall => "{c} P{p} · {a}", "{c} P{p} · {a}";
    ErrMalformed => "服务器无法解析本机发出的消息", "The server could not parse a message from this console";
    ErrRateLimited => "发送过快，服务器丢弃了部分消息", "Sending too fast: the server dropped messages";
    ErrUnauthorized => "凭据无效或已吊销", "Credentials not valid or revoked";
    ErrForbidden => "角色无权发送此消息", "The role may not send this message";
    ErrOther => "服务器错误（{c}）", "Server error ({c})";
    ErrConnRefused => "连接被拒绝（服务器未运行或端口错误）", "connection refused (the server is not running, or the port is wrong)";
    ErrConnTimeout => "连接超时", "connection timed out";
    ErrConnClosed => "连接被断开", "the connection was closed";
    ErrConnTls => "TLS 证书校验失败", "the TLS certificate could not be verified";
    ErrConnName => "无法解析服务器地址", "the server's name could not be resolved";
    ErrConnOther => "网络错误", "network error";
    ReplayBand => "回放 · {t}", "Replay · {t}";
    ReplayLoading => "回放 · {t} · 正在读取…", "Replay · {t} · loading…";
    ReplayReadOnly => "回放中，只读：不能发送指令", "Replaying, read-only: no commands can be sent";
    ReplayRefused => "{c}：未发送，回放中只读（按 L 返回实时）", "{c}: not sent, replay is read-only (L goes back to live)";
    Replay => "回放", "Replay";
    ReplayHint => "查看日志中的任意时刻（只读）", "Show any moment of the log (read-only)";
    BackToLive => "返回实时 (L)", "Back to live (L)";
    Play => "播放", "Play";
    Pause => "暂停", "Pause";
    ReplayThisCall => "回放此警情", "Replay this call";
    ReplaySpan => "时间轴", "Timeline";
    ReplayFailed => "回放失败：{e}", "Replay failed: {e}";
    HoursAgo => "{n} 小时前", "{n} h ago";
    Track => "轨迹（{n} 分钟）", "Track ({n} min)";
    HeatMap => "热力图", "Heat map";
    HeatLegend => "警情密度（起/平方公里）", "Incidents per km²";
    HotSpots => "热点区域", "Hot spots";
    HotByCount => "数量最多", "Most incidents";
    HotByRise => "增长最多", "Largest rise";
    HotNone => "本期无警情", "No incidents in the period";
    Period => "时段", "Period";
    LastDay => "24 小时", "24 h";
    LastWeek => "7 天", "7 days";
    LastMonth => "30 天", "30 days";
    Categories => "类别", "Categories";
    Statistics => "统计", "Statistics";
    StatsHint => "时段统计、环比与同比、响应时间", "Period figures, change on earlier periods, response times";
    StatsLoading => "正在读取历史…", "Reading the history…";
    StatsFailed => "历史查询失败：{e}", "History query failed: {e}";
    StatsNeedsFeed => "统计需要连接实时数据服务器", "Statistics need the feed server";
    StatsTruncated => "记录过多，仅统计前 {n} 起", "Too many records: only the first {n} are counted";
    TotalIncidents => "警情总数", "Incidents";
    VsPrevious => "环比", "vs previous";
    VsWeek => "同比（上周）", "vs a week earlier";
    VsYear => "同比（去年）", "vs a year earlier";
    NoRatio => "—", "—";
    PerDay => "每日警情（按类别）", "Incidents per day, by category";
    PerHour => "各时段警情（按类别）", "Incidents by hour of day, by category";
    ResponseVsTarget => "响应时间与目标（秒）", "Response times against targets (s)";
    Median => "中位数", "median";
    P90 => "P90", "p90";
    TargetLine => "目标", "target";
    ByBeat => "各警务区警情", "Incidents by beat";
    ColCount => "数量", "Count";
    ColChange => "环比", "Change";
    ColBeat => "警务区", "Beat";
    ColPriority => "优先级", "Priority";
    ExportCsv => "导出 CSV", "Export CSV";
    ExportPng => "简报 PNG", "Briefing PNG";
    ExportPdf => "简报 PDF", "Briefing PDF";
    ExportTo => "导出到（不含扩展名）：", "Export to (without extension):";
    StatsExported => "已导出 {p}", "Exported {p}";
    StatsExportFailed => "无法导出 {p}：{e}", "Could not export {p}: {e}";
    BriefingTitle => "警情简报", "Incident briefing";
    BriefingPeriod => "{a} 至 {b}", "{a} to {b}";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages() {
        for &key in T::ALL {
            assert!(!tr(Lang::Zh, key).is_empty(), "{key:?}");
            assert!(!tr(Lang::En, key).is_empty(), "{key:?}");
        }
    }
}
