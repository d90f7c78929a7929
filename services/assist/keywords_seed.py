"""The shipped keyword library (关键词库, S-2), version 1, one keyword a line:

    phrase | SCENARIO:weight … | category:weight … | rule id

Weights are whole numbers 1-9 towards a scenario (DOMAIN.md §5 codes) or a complaint category;
the rule id, where one applies, is what the handler is shown (e.g. "没有订购" → R-7(a)).
Phrases are written in simplified characters; matching folds traditional characters,
full-width forms and punctuation first (services.assist.text). Admins edit the same text in
the console; every save is a new version.
"""

KEYWORDS = """
# 场景一 理性
为什么 | RATIONAL:2 WANTS_EXPLANATION:1 | |
依据是什么 | RATIONAL:4 | |
有什么依据 | RATIONAL:4 | |
根据哪条规定 | RATIONAL:4 | |
哪条规定 | RATIONAL:3 | |
请解释一下 | RATIONAL:3 WANTS_EXPLANATION:1 | |
讲讲道理 | RATIONAL:3 ARGUES_FAIRNESS:1 | |
逻辑 | RATIONAL:3 | |
合乎规定 | RATIONAL:3 | |
规章 | RATIONAL:2 | |
来电显示 | RATIONAL:1 | value_added_service:2 |
主叫隐藏 | RATIONAL:2 | value_added_service:2 |
# 场景二 感性
老客户 | EMOTIONAL:4 | |
老用户 | EMOTIONAL:4 | |
这么多年 | EMOTIONAL:3 | |
十几年 | EMOTIONAL:3 | |
寒心 | EMOTIONAL:4 | |
失望 | EMOTIONAL:3 | |
伤心 | EMOTIONAL:3 | |
一直支持你们 | EMOTIONAL:4 | |
一直用你们 | EMOTIONAL:3 | |
辜负 | EMOTIONAL:3 | |
感情 | EMOTIONAL:2 | |
# 场景三 质疑诚信
骗子 | DOUBTS_INTEGRITY:4 AGITATED:1 | |
骗钱 | DOUBTS_INTEGRITY:4 | billing_error:2 |
欺诈 | DOUBTS_INTEGRITY:4 | | R-7(b)
坑人 | DOUBTS_INTEGRITY:3 | |
坑钱 | DOUBTS_INTEGRITY:3 | billing_error:1 |
忽悠 | DOUBTS_INTEGRITY:3 | |
黑心 | DOUBTS_INTEGRITY:3 | |
故意 | DOUBTS_INTEGRITY:3 | |
偷偷 | DOUBTS_INTEGRITY:3 | value_added_service:1 |
不诚信 | DOUBTS_INTEGRITY:4 | |
没有诚信 | DOUBTS_INTEGRITY:4 | |
糊弄 | DOUBTS_INTEGRITY:3 | |
敷衍 | DOUBTS_INTEGRITY:3 | staff_attitude:1 |
根本不想帮 | DOUBTS_INTEGRITY:4 | |
不想解决 | DOUBTS_INTEGRITY:3 | |
信不过 | DOUBTS_INTEGRITY:3 | |
# 场景四 基本事实
没有发过 | DISPUTES_FACTS:4 | billing_error:1 |
没发过 | DISPUTES_FACTS:4 | billing_error:1 |
从来没有 | DISPUTES_FACTS:3 | |
没收到 | DISPUTES_FACTS:3 | |
没有收到 | DISPUTES_FACTS:3 | |
没打过 | DISPUTES_FACTS:4 | billing_error:2 |
没有打过 | DISPUTES_FACTS:4 | billing_error:2 |
不是我发的 | DISPUTES_FACTS:4 | billing_error:1 |
不是我打的 | DISPUTES_FACTS:4 | billing_error:1 |
没用过 | DISPUTES_FACTS:3 | billing_error:1 |
没有用过 | DISPUTES_FACTS:3 | billing_error:1 |
根本没有 | DISPUTES_FACTS:3 | |
记录不对 | DISPUTES_FACTS:3 | billing_error:2 | R-4
上行记录 | DISPUTES_FACTS:3 | billing_error:2 |
没订 | DISPUTES_FACTS:4 | value_added_service:4 | R-7(a)
没有订 | DISPUTES_FACTS:4 | value_added_service:4 | R-7(a)
没有订购 | DISPUTES_FACTS:4 | value_added_service:5 | R-7(a)
从没订过 | DISPUTES_FACTS:4 | value_added_service:5 | R-7(a)
没开通 | DISPUTES_FACTS:3 | value_added_service:3 | R-7(a)
没有开通 | DISPUTES_FACTS:3 | value_added_service:3 | R-7(a)
我没办过 | DISPUTES_FACTS:3 | service_handling:2 |
不知道怎么开通的 | DISPUTES_FACTS:3 | value_added_service:4 | R-7(a)
莫名其妙 | DISPUTES_FACTS:2 | billing_error:2 | R-7(b)
# 场景五 结论
条款不合理 | DISPUTES_CONCLUSION:5 | tariff_dispute:2 |
霸王条款 | DISPUTES_CONCLUSION:5 | tariff_dispute:2 |
不合理 | DISPUTES_CONCLUSION:3 ARGUES_FAIRNESS:1 | |
不认可 | DISPUTES_CONCLUSION:4 | |
不接受你们的结论 | DISPUTES_CONCLUSION:5 | |
结论 | DISPUTES_CONCLUSION:3 | |
处理结果 | DISPUTES_CONCLUSION:2 REOPENS_SETTLED:1 | |
说法不对 | DISPUTES_CONCLUSION:3 | |
我不接受 | DISPUTES_CONCLUSION:3 | |
# 场景六 明显不合理
精神损失费 | UNREASONABLE_DEMAND:5 | | R-10
精神损失 | UNREASONABLE_DEMAND:5 | | R-10
误工费 | UNREASONABLE_DEMAND:4 | | R-10
十倍 | UNREASONABLE_DEMAND:5 | | R-5
一百倍 | UNREASONABLE_DEMAND:5 | | R-5
赔我一万 | UNREASONABLE_DEMAND:5 | | R-10
一万块 | UNREASONABLE_DEMAND:4 | | R-10
赔偿 | UNREASONABLE_DEMAND:2 ESCALATING_DEMANDS:1 | | R-10
赔钱 | UNREASONABLE_DEMAND:2 | | R-10
损失费 | UNREASONABLE_DEMAND:3 | | R-10
免费送 | UNREASONABLE_DEMAND:3 | |
白送 | UNREASONABLE_DEMAND:3 | |
# 场景七 强硬
不然我就 | HARDLINE:5 | |
否则我就 | HARDLINE:5 | |
要不然我 | HARDLINE:4 | |
后果自负 | HARDLINE:5 | |
走着瞧 | HARDLINE:5 | |
今天必须 | HARDLINE:4 | |
必须给我 | HARDLINE:4 | |
马上给我 | HARDLINE:3 | |
给我个准话 | HARDLINE:3 | |
最后一次 | HARDLINE:3 | |
别逼我 | HARDLINE:4 | |
我就销号 | HARDLINE:4 | service_handling:1 |
我就转网 | HARDLINE:4 | service_handling:1 |
携号转网 | HARDLINE:2 | service_handling:2 |
# 场景八 情绪激动
气死 | AGITATED:5 | |
骂人 | AGITATED:2 | staff_attitude:2 |
混蛋 | AGITATED:5 | |
王八蛋 | AGITATED:5 | |
垃圾 | AGITATED:4 | |
太过分了 | AGITATED:4 | |
忍无可忍 | AGITATED:5 | |
受够了 | AGITATED:4 | |
岂有此理 | AGITATED:4 | |
火大 | AGITATED:4 | |
什么破 | AGITATED:3 | |
破移动 | AGITATED:4 | |
他妈的 | AGITATED:5 | |
# 场景九 现实型
换套餐 | PRAGMATIC:4 | tariff_dispute:3 |
改套餐 | PRAGMATIC:4 | tariff_dispute:3 |
降套餐 | PRAGMATIC:4 | tariff_dispute:3 |
减少费用 | PRAGMATIC:4 | tariff_dispute:2 |
省点钱 | PRAGMATIC:3 | tariff_dispute:2 |
没带身份证 | PRAGMATIC:5 | service_handling:3 |
身份证没带 | PRAGMATIC:5 | service_handling:3 |
手续不全 | PRAGMATIC:5 | service_handling:3 |
能不能先 | PRAGMATIC:4 | |
先帮我办 | PRAGMATIC:5 | service_handling:2 |
急着用 | PRAGMATIC:4 | |
急用 | PRAGMATIC:3 | |
通融 | PRAGMATIC:4 | service_handling:1 |
# 场景十 宣泄
我跟你说 | VENTING:3 | |
烦死了 | VENTING:3 AGITATED:1 | |
倒霉 | VENTING:3 | |
郁闷 | VENTING:3 | |
吐槽 | VENTING:4 | |
心里憋 | VENTING:4 | |
不吐不快 | VENTING:5 | |
说出来 | VENTING:2 | |
听我说 | VENTING:3 | |
# 场景十一 秋菊型
不要赔偿 | WANTS_EXPLANATION:5 | |
不要你们赔 | WANTS_EXPLANATION:5 | |
不要钱 | WANTS_EXPLANATION:4 | |
给个说法 | WANTS_EXPLANATION:5 | |
讨个说法 | WANTS_EXPLANATION:5 | |
一个说法 | WANTS_EXPLANATION:4 | |
要个解释 | WANTS_EXPLANATION:4 | |
一个解释 | WANTS_EXPLANATION:3 | |
讨公道 | WANTS_EXPLANATION:4 | |
不能共享 | WANTS_EXPLANATION:3 | tariff_dispute:3 |
# 场景十二 不断提出过分要求
还要再 | ESCALATING_DEMANDS:3 | |
不够 | ESCALATING_DEMANDS:2 | |
再加 | ESCALATING_DEMANDS:3 | |
再赔 | ESCALATING_DEMANDS:5 | | R-10
还得赔 | ESCALATING_DEMANDS:5 | | R-10
曝光 | ESCALATING_DEMANDS:3 JOURNALIST:2 | | C-3
上网曝光 | ESCALATING_DEMANDS:4 JOURNALIST:1 | | C-3
发微博 | ESCALATING_DEMANDS:3 | | C-3
工信部 | ESCALATING_DEMANDS:3 | | C-3
越级 | ESCALATING_DEMANDS:3 | | C-3
消协 | ESCALATING_DEMANDS:3 | | C-3
12315 | ESCALATING_DEMANDS:3 | | C-3
告你们 | ESCALATING_DEMANDS:2 HARDLINE:2 | | C-3
起诉 | ESCALATING_DEMANDS:2 HARDLINE:2 | | C-3
# 场景十三 书面道歉
书面道歉 | WRITTEN_APOLOGY:6 | |
道歉信 | WRITTEN_APOLOGY:6 | |
书面 | WRITTEN_APOLOGY:3 | | C-9
公开道歉 | WRITTEN_APOLOGY:5 | |
登报道歉 | WRITTEN_APOLOGY:6 | |
书面答复 | WRITTEN_APOLOGY:4 | | C-9
书面澄清 | WRITTEN_APOLOGY:5 | |
盖章 | WRITTEN_APOLOGY:3 | |
道歉 | WRITTEN_APOLOGY:2 | |
# 场景十四 找经理
找经理 | DEMANDS_MANAGER:6 | |
叫经理 | DEMANDS_MANAGER:6 | |
你们经理 | DEMANDS_MANAGER:5 | |
叫你们领导 | DEMANDS_MANAGER:6 | |
找你们领导 | DEMANDS_MANAGER:6 | |
负责人 | DEMANDS_MANAGER:4 | |
你做不了主 | DEMANDS_MANAGER:5 | |
不跟你说 | DEMANDS_MANAGER:4 | |
不跟你谈 | DEMANDS_MANAGER:4 | |
能做主的 | DEMANDS_MANAGER:5 | |
老板 | DEMANDS_MANAGER:3 | |
# 场景十五 已处理完结又再次探讨
上次 | REOPENS_SETTLED:3 | | C-3
上回 | REOPENS_SETTLED:3 | | C-3
之前已经 | REOPENS_SETTLED:3 | | C-3
已经处理过 | REOPENS_SETTLED:5 | | C-3
已经处理完 | REOPENS_SETTLED:5 | | C-3
处理完了 | REOPENS_SETTLED:4 | | C-3
又来了 | REOPENS_SETTLED:3 | | C-10
还是那件事 | REOPENS_SETTLED:5 | | C-10
还是那个问题 | REOPENS_SETTLED:5 | | C-10
当时同意 | REOPENS_SETTLED:5 | |
当时接受 | REOPENS_SETTLED:5 | |
没有兑现 | REOPENS_SETTLED:4 | |
没兑现 | REOPENS_SETTLED:4 | |
答应过 | REOPENS_SETTLED:3 | |
重新处理 | REOPENS_SETTLED:4 | | C-6
# 场景十六 争辩什么是合理
公平 | ARGUES_FAIRNESS:4 | |
不公平 | ARGUES_FAIRNESS:5 | |
公道 | ARGUES_FAIRNESS:3 | |
合理的方案 | ARGUES_FAIRNESS:5 | |
什么才是合理 | ARGUES_FAIRNESS:6 | |
凭什么 | ARGUES_FAIRNESS:3 RATIONAL:1 | |
讲理 | ARGUES_FAIRNESS:3 | |
道理 | ARGUES_FAIRNESS:2 RATIONAL:2 | |
应该怎么处理 | ARGUES_FAIRNESS:3 | |
# 场景十七 委屈、困扰
委屈 | STRESSES_TROUBLE:5 | |
麻烦 | STRESSES_TROUBLE:2 | |
耽误 | STRESSES_TROUBLE:3 | |
害我 | STRESSES_TROUBLE:4 | |
困扰 | STRESSES_TROUBLE:4 | |
折腾 | STRESSES_TROUBLE:4 | |
跑了好几趟 | STRESSES_TROUBLE:5 | service_handling:1 |
好几趟 | STRESSES_TROUBLE:4 | |
白跑 | STRESSES_TROUBLE:4 | service_handling:1 |
浪费我的时间 | STRESSES_TROUBLE:4 | |
影响我工作 | STRESSES_TROUBLE:4 | |
睡不着 | STRESSES_TROUBLE:4 | |
联系不上 | STRESSES_TROUBLE:3 | network_fault:2 |
# 场景十八 反复投诉、抓字眼
我要投诉 | SERIAL_COMPLAINER:2 | |
继续投诉 | SERIAL_COMPLAINER:4 | | C-10
天天投诉 | SERIAL_COMPLAINER:5 | | C-10
投诉到底 | SERIAL_COMPLAINER:4 | | C-10
每次都投诉 | SERIAL_COMPLAINER:5 | | C-10
又投诉 | SERIAL_COMPLAINER:4 | | C-10
第几次投诉 | SERIAL_COMPLAINER:4 | | C-10
你刚才说 | SERIAL_COMPLAINER:4 | |
你这句话 | SERIAL_COMPLAINER:4 | |
字眼 | SERIAL_COMPLAINER:5 | |
工号 | SERIAL_COMPLAINER:3 | staff_attitude:2 |
用词 | SERIAL_COMPLAINER:4 | staff_attitude:1 |
# 特殊 集体投诉
我们几个 | GROUP:5 | | C-5
我们大家 | GROUP:5 | | C-5
我们这些 | GROUP:4 | | C-5
大家一起 | GROUP:5 | | C-5
好几个人 | GROUP:5 | | C-5
一群人 | GROUP:4 CROWD_AT_DOOR:1 | | C-5
集体 | GROUP:5 | | C-5
邻居们 | GROUP:5 | | C-5
全小区 | GROUP:5 | broadband:1 | C-5
整栋楼 | GROUP:5 | broadband:1 | C-5
我们三个 | GROUP:6 | | C-5
我们五个 | GROUP:6 | | C-5
# 特殊 大吵大闹、派传单、阻止他人办理
大吵大闹 | STORE_DISRUPTION:6 | |
发传单 | STORE_DISRUPTION:6 | |
派传单 | STORE_DISRUPTION:6 | |
别办了 | STORE_DISRUPTION:5 | |
大家别在这办 | STORE_DISRUPTION:6 | |
谁也别想办 | STORE_DISRUPTION:6 | |
不让你们营业 | STORE_DISRUPTION:6 | |
在大厅 | STORE_DISRUPTION:2 | |
营业厅 | STORE_DISRUPTION:1 | |
# 特殊 拍照、录音
拍照 | RECORDING:5 | |
录音 | RECORDING:5 | |
录像 | RECORDING:5 | |
拍下来 | RECORDING:5 | |
录下来 | RECORDING:5 | |
取证 | RECORDING:5 | |
录视频 | RECORDING:5 | |
我录着呢 | RECORDING:6 | |
# 特殊 聚众门口闹事
门口 | CROWD_AT_DOOR:3 | |
堵门 | CROWD_AT_DOOR:6 | |
堵在门口 | CROWD_AT_DOOR:6 | |
围观 | CROWD_AT_DOOR:5 | |
拉横幅 | CROWD_AT_DOOR:6 | |
横幅 | CROWD_AT_DOOR:5 | |
聚集 | CROWD_AT_DOOR:4 | |
闹事 | CROWD_AT_DOOR:3 STORE_DISRUPTION:2 | |
# 特殊 破坏财物
砸了 | PROPERTY_DAMAGE:6 | |
砸烂 | PROPERTY_DAMAGE:6 | |
砸电脑 | PROPERTY_DAMAGE:6 | |
砸东西 | PROPERTY_DAMAGE:6 | |
摔东西 | PROPERTY_DAMAGE:5 | |
踢坏 | PROPERTY_DAMAGE:6 | |
破坏 | PROPERTY_DAMAGE:4 | |
抢走 | PROPERTY_DAMAGE:4 | |
# 特殊 携记者采访
记者 | JOURNALIST:6 | | C-3
电视台 | JOURNALIST:5 | | C-3
报社 | JOURNALIST:5 | | C-3
采访 | JOURNALIST:5 | | C-3
媒体 | JOURNALIST:4 ESCALATING_DEMANDS:1 | | C-3
上新闻 | JOURNALIST:5 | | C-3
上电视 | JOURNALIST:5 | | C-3
# 工作指引 充值卡
充值卡 | RECHARGE_CARD:6 | billing_error:2 |
话费卡 | RECHARGE_CARD:6 | billing_error:2 |
密码有误 | RECHARGE_CARD:6 | billing_error:1 |
密码错误 | RECHARGE_CARD:4 | billing_error:1 |
序列号 | RECHARGE_CARD:5 | |
已使用 | RECHARGE_CARD:4 | |
刮开 | RECHARGE_CARD:5 | |
充不进去 | RECHARGE_CARD:5 | billing_error:2 |
# 投诉类别
多扣 | | billing_error:5 | R-4
多收 | | billing_error:5 | R-4
扣费 | | billing_error:3 |
乱扣费 | DOUBTS_INTEGRITY:2 | billing_error:5 | R-7(b)
重复扣费 | | billing_error:6 | R-4
扣了我 | | billing_error:3 |
话费不对 | | billing_error:5 | R-4
账单 | | billing_error:3 |
话费 | | billing_error:2 tariff_dispute:1 |
流量费 | | billing_error:3 tariff_dispute:1 | R-4
漫游费 | | billing_error:3 tariff_dispute:1 |
计费 | | billing_error:3 | R-4
套餐 | | tariff_dispute:4 |
资费 | | tariff_dispute:5 |
月租 | | tariff_dispute:4 |
收费标准 | | tariff_dispute:5 |
太贵 | | tariff_dispute:4 |
优惠没有 | | tariff_dispute:3 billing_error:2 | R-4
没信号 | | network_fault:6 | C-8
信号差 | | network_fault:6 | C-8
信号不好 | | network_fault:6 | C-8
没有信号 | | network_fault:6 | C-8
打不通 | | network_fault:5 | C-8
掉线 | | network_fault:5 | C-8
断网 | | network_fault:5 | C-8
网速慢 | | network_fault:5 | C-8
网速 | | network_fault:3 | C-8
上不了网 | | network_fault:5 | C-8
通话中断 | | network_fault:5 | C-8
信号 | | network_fault:3 | C-8
梦网 | | value_added_service:6 | R-7(a)
彩铃 | | value_added_service:5 | R-7(a)
增值业务 | | value_added_service:6 | R-7(a)
手机报 | | value_added_service:5 | R-7(a)
包月 | | value_added_service:4 | R-7(a)
订购 | | value_added_service:3 |
退订 | | value_added_service:4 | R-7(a)
退不掉 | | value_added_service:5 | R-7(a)
sp | | value_added_service:3 | R-7(a)
信息费 | | value_added_service:4 | R-4
态度 | | staff_attitude:4 |
营业员 | | staff_attitude:4 |
服务员 | | staff_attitude:3 |
客服 | | staff_attitude:2 |
不耐烦 | | staff_attitude:5 |
挂我电话 | | staff_attitude:5 |
骂我 | AGITATED:1 | staff_attitude:5 |
爱理不理 | | staff_attitude:5 |
工作人员 | | staff_attitude:2 |
办错了 | | service_handling:6 | R-2
办错 | | service_handling:5 | R-2
给我办成了 | | service_handling:5 | R-2
乱解释 | | service_handling:5 | R-2
解释错 | | service_handling:5 | R-2
补卡 | | service_handling:4 |
过户 | | service_handling:4 |
销户 | | service_handling:4 |
手续 | | service_handling:3 |
办理 | | service_handling:2 |
宽带 | | broadband:6 |
光猫 | | broadband:6 |
装机 | | broadband:5 |
路由器 | | broadband:4 |
网线 | | broadband:5 |
上门安装 | | broadband:5 |
"""
