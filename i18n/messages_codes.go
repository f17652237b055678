package i18n

// codeMessages holds the strings of follow QR codes in the studio, their
// printable poster, and the bar chart they share with other pages.
var codeMessages = map[string][2]string{
	// Bar chart (templates.BarChart)
	"chart.show_table": {"Show the numbers as a table", "以表格显示数据"},
	"chart.when":       {"Date", "日期"},

	// List and forms
	"codes.title":         {"Follow QR codes of %s", "%s 的关注二维码"},
	"codes.new":           {"New code", "新建二维码"},
	"codes.new_for":       {"New follow QR code for %s", "为 %s 新建关注二维码"},
	"codes.new_lead":      {"Each code has its own short link and QR image. Make one for every place you put it up, so you can see which poster or stop brings followers.", "每个二维码都有自己的短链接和二维码图片。为每个张贴地点分别创建一个，就能看出哪张海报或哪个站点带来了关注者。"},
	"codes.empty":         {"No follow QR codes yet.", "还没有关注二维码。"},
	"codes.empty_how":     {"A follow QR code opens this account's follow page. Print one on a poster, at a bus stop or at your counter: Plaza counts the scans and the follows of each code, so you can see which places work.", "关注二维码会打开此账号的关注页面。把它印在海报上、贴在公交站或柜台旁：Plaza 会分别统计每个二维码的扫码次数和关注人数，让你知道哪些地点效果好。"},
	"codes.name":          {"Name", "名称"},
	"codes.name_hint":     {"For your team, e.g. “Stop 1042, Main St”. You can change it later.", "供团队内部使用，例如“1042 号站，主街”。之后可以修改。"},
	"codes.scene":         {"Scene", "场景"},
	"codes.scene_hint":    {"A short label stored with every follow from this code: lowercase letters, digits, - and _, e.g. stop-1042 or poster-spring-campaign. It is part of what you print, so it cannot be changed later.", "随该二维码带来的每次关注一起记录的简短标签：小写字母、数字、- 和 _，例如 stop-1042 或 poster-spring-campaign。它会随二维码一起印刷，创建后不能修改。"},
	"codes.expires_on":    {"Last day (optional)", "最后有效日期（可选）"},
	"codes.expires_hint":  {"The code stops working at the end of this day (UTC). Leave it empty to keep the code working until you end it.", "二维码在当天结束时（UTC）失效。留空则一直有效，直到你手动停用。"},
	"codes.create":        {"Create the code", "创建二维码"},
	"codes.status":        {"Status", "状态"},
	"codes.status_active": {"Active", "有效"},
	"codes.status_until":  {"Active until %s", "有效期至 %s"},
	"codes.status_ended":  {"Ended %s", "已于 %s 停用"},
	"codes.scans":         {"Scans", "扫码次数"},
	"codes.follows":       {"Follows", "关注人数"},
	"codes.conversion":    {"Conversion", "转化率"},
	"codes.counts_hint":   {"Scans count people opening the code's link; visits by bots and chat-app link previews are left out. Follows count confirmed follows that came through the code. Conversion is follows divided by scans.", "扫码次数统计的是打开二维码链接的人数，不含机器人和聊天应用生成链接预览时的访问。关注人数统计的是通过该二维码完成确认的关注。转化率 = 关注人数 ÷ 扫码次数。"},
	"codes.created":       {"The code is ready. Download it or print its poster.", "二维码已创建，可以下载或打印海报。"},
	"codes.saved":         {"The code is saved.", "二维码已保存。"},
	"err.date_format":     {"Enter a date like 2025-06-30.", "请输入日期，例如 2025-06-30。"},

	// One code
	"codes.back":            {"All follow QR codes of %s", "%s 的全部关注二维码"},
	"codes.back_to_code":    {"Back to the code", "返回二维码"},
	"codes.ended_notice":    {"This code has ended: its link shows people a page saying it is no longer active. Its numbers are kept.", "该二维码已停用：打开链接会看到“二维码已失效”的页面。统计数据仍会保留。"},
	"codes.qr_alt":          {"QR code for %s", "%s 的二维码"},
	"codes.short_link":      {"Short link", "短链接"},
	"codes.short_link_hint": {"This is the address inside the QR code. You can also share it as text.", "这是二维码中包含的地址，也可以作为文字直接分享。"},
	"codes.downloads":       {"Download", "下载"},
	"codes.download_png":    {"PNG image, %d × %d pixels", "PNG 图片，%d × %d 像素"},
	"codes.download_svg":    {"SVG vector image (for print shops)", "SVG 矢量图（适合印刷）"},
	"codes.poster":          {"Printable A4 poster", "可打印的 A4 海报"},
	"codes.results":         {"Results", "效果"},
	"codes.chart_title":     {"Scans and follows per day, last %d days (UTC)", "最近 %d 天每日扫码次数和关注人数（UTC）"},
	"codes.chart_desc":      {"Bar chart of the last %d days: %d scans and %d follows in all. The table below has the number for each day.", "最近 %d 天的柱状图：共扫码 %d 次，关注 %d 人。下方表格列出了每天的数据。"},
	"codes.devices":         {"Devices", "设备"},
	"codes.devices_hint":    {"All visits of the link by kind of device. Plaza keeps only the kind of device, never an address or identifier of the person.", "按设备类型统计的全部访问。Plaza 只记录设备类型，从不保存访问者的地址或标识。"},
	"codes.edit":            {"Edit the code", "编辑二维码"},
	"codes.scene_fixed":     {"Scene: %s. The scene cannot be changed, because it is printed and stored with every follow.", "场景：%s。场景已印刷并随每次关注记录，因此不能修改。"},
	"codes.expire":          {"End this code", "停用此二维码"},
	"codes.expire_h":        {"End the code “%s”?", "停用二维码“%s”？"},
	"codes.expire_explain":  {"From now on, people who scan it (scene %s) see a page saying the code is no longer active, instead of the follow page. Printed posters with this code stop working.", "从现在起，扫描该二维码（场景 %s）的人将看到“二维码已失效”的页面，而不是关注页面。印有此二维码的海报将不再有效。"},
	"codes.expire_keep":     {"Its scans and follows are kept. This cannot be undone; to start again, make a new code.", "扫码和关注数据会保留。此操作无法撤销；如需重新开始，请新建一个二维码。"},
	"codes.expire_yes":      {"Yes, end the code", "确认停用"},
	"codes.expired":         {"The code has ended.", "二维码已停用。"},
	"codes.bad_size_title":  {"Size not available", "不支持该尺寸"},
	"codes.bad_size":        {"QR images can be downloaded 256, 512 or 1024 pixels wide. Choose one of those sizes on the code's page.", "二维码图片可下载 256、512 或 1024 像素宽的版本。请在二维码页面选择其中一种尺寸。"},

	// Devices of scans
	"device.phone":   {"Phone", "手机"},
	"device.tablet":  {"Tablet", "平板电脑"},
	"device.desktop": {"Computer", "电脑"},
	"device.bot":     {"Bots and link previews (not counted as scans)", "机器人和链接预览（不计入扫码次数）"},
	"device.other":   {"Other", "其他"},

	// Poster
	"codes.poster_title": {"Poster: %s", "海报：%s"},
	"codes.poster_how":   {"Print this page with your browser (Ctrl+P or ⌘P) on A4 paper. Only the poster is printed; it fits on one page.", "使用浏览器的打印功能（Ctrl+P 或 ⌘P）在 A4 纸上打印本页。只会打印海报，正好一页。"},
	"poster.call":        {"Scan to follow", "扫码关注"},
	"poster.or_visit":    {"or open this link:", "或打开链接："},

	// Audit log
	"audit.code_update": {"Edited follow code of", "编辑了关注二维码"},
	"audit.code_expire": {"Ended follow code of", "停用了关注二维码"},
}
