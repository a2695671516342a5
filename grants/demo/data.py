"""Demo data for the venture-competition and grant platform (公益创投管理平台).

Where the names come from
-------------------------
The place names, organisation names, fund names and quoted figures below were
taken from five public Chinese news reports on how grassroots governments
incubate and fund community social organisations (社区社会组织):

* 龙岗区坂田街道 (Shenzhen), 2023: the street's party committee has each
  community service centre incubate at least one new organisation a year,
  funds them through the "幸福老人计划" and the 民生实事 "大盆菜" project
  platforms, and encourages community-level charity funds (南坑圆梦慈善公益基金,
  五和公益基金).  It names 坂田义工联 and 坂田街道摄影协会 (3A in the 2022
  district assessment), the 象角塘 老年协会 / 长青老龄大学 / 噪音管理委员会,
  五和社区平安联合会 and its counselling room, 万科城 "妈妈荟" and 四季花城
  "奶奶厨房帮".
* 南山区南山街道 (Shenzhen), 2024: the "4Fu" method (孵化、扶持、辅导、赋力);
  three years of a street social-governance innovation contest funding 26
  projects with 420,000 yuan; organisations such as 荔林关爱中心, 风华楼联会,
  学府社区治理联合会, 南园骑手互助会, 荔芳 food-safety self-governance
  association, the 月亮湾 logistics association and 南山粤剧团.
* 龙岗区 (Shenzhen), 2023: registration + filing ("双轨") management, the first
  community foundation in China (深圳市南坑社区圆梦慈善基金会), 深圳市龙岗区
  南岭村社区基金会, street-level named funds under a public foundation, and a
  district venture competition that has put in over 18 million yuan of fiscal
  money into 200+ projects.
* 福州市仓山区金山街道金洲社区: a "double incubation" mechanism (social
  organisation + party branch) with 上古健康服务中心, 熠家心理工作室,
  乐探机器人工作室, 番薯乐园自然科学推广中心 and 青禾社工, each given a free
  venue and start-up money.
* 滨州市滨城区市东街道: a social-organisation service centre focused on health,
  a 健康管理协会 keeping a red/black credit list, and members such as
  沪滨爱尔眼科, 西王爱心公益帮扶队, 心情驿站 and 金钥匙儿童康复中心.

Everything else is demo material: contact people, phone numbers, addresses,
staff/volunteer counts, founding years, filing numbers, credit codes, fund
contribution amounts and dates, ratings (except the 3A that the 坂田 report
states) and red/black credit statuses are fictional.  Names that do not
appear in any report are marked ``# illustrative``.  The project never reads
the reports at run time; this module is self-contained.
"""

# ruff: noqa: E501  (long Chinese text in data literals)
from __future__ import annotations

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 (documented demo password)

# ---------------------------------------------------------------------------
# Regions: district -> street -> communities.
# ---------------------------------------------------------------------------

REGIONS = [
    {
        "name": "龙岗区",  # 深圳市
        "streets": [
            {
                "name": "坂田街道",
                "communities": [
                    "象角塘社区",
                    "南坑社区",
                    "五和社区",
                    "万科城社区",
                    "四季花城社区",
                ],
            },
            {
                # The report names 南岭村社区 (its community foundation); it lies
                # in 南湾街道, which the report itself does not name.
                "name": "南湾街道",
                "communities": ["南岭村社区"],
            },
        ],
    },
    {
        "name": "南山区",  # 深圳市
        "streets": [
            {
                "name": "南山街道",
                "communities": [
                    "荔林社区",
                    "荔芳社区",
                    "学府社区",
                    "南园社区",  # the report says "南园村"
                    "月亮湾社区",  # the report mentions 月亮湾花园
                ],
            },
        ],
    },
    {
        "name": "仓山区",  # 福建省福州市
        "streets": [
            {"name": "金山街道", "communities": ["金洲社区"]},
        ],
    },
    {
        "name": "滨城区",  # 山东省滨州市
        "streets": [
            {
                "name": "市东街道",
                # The report names no community of 市东街道.
                "communities": [
                    "黄河社区",  # illustrative
                    "渤海社区",  # illustrative
                    "新立社区",  # illustrative
                ],
            },
        ],
    },
]

# City of each district, and the administrative-division code (GB/T 2260)
# used in the demo credit codes.
DISTRICT_CITIES = {
    "龙岗区": "深圳市",
    "南山区": "深圳市",
    "仓山区": "福州市",
    "滨城区": "滨州市",
}

DISTRICT_DIVISION_CODES = {
    "龙岗区": "440307",
    "南山区": "440305",
    "仓山区": "350104",
    "滨城区": "371602",
}

# Government / party bodies that own funds but are not organisations.
BODIES = [
    "龙岗区社会创新中心",
    "坂田街道办事处",
    "南山街道办事处",
    "五和社区党委",
    "金洲社区党委",
]

# ---------------------------------------------------------------------------
# Organisations.  Registered ones carry credit_code=None (a loader fills it
# from DEMO_CREDIT_CODES); filed ones carry a filing_number.
# ---------------------------------------------------------------------------

ORGANISATIONS = [
    # ---- 龙岗区 坂田街道 ---------------------------------------------------
    {
        "name": "坂田义工联",
        "registration": "registered",
        "org_type": "social_group",
        "category": "charity",
        "district": "龙岗区",
        "street": "坂田街道",
        "community": "五和社区",  # seat community illustrative (street-level body)
        "rating": "3A",  # 2022 龙岗区社会组织评估 3A (stated in the report)
        "star_rating": 5,
        "party_members": 12,
        "party_branch": "independent",
        "credit_status": "normal",
        "staff_count": 8,
        "volunteer_count": 6000,
        "founded_year": 2012,
        "contact_person": "王丽",
        "contact_phone": "13800000001",
        "address": "坂田街道党群服务中心二楼",
        "intro": "坂田街道志愿者联合会，实行“理事会+执委会+义工代表大会”和“社工+义工”双工联动，建立街道级志愿者学院和“54号移动舱”阵地，联合爱心企业推出“志愿港湾”礼遇计划。",
        "credit_code": None,
    },
    {
        "name": "坂田街道摄影协会",
        "registration": "registered",
        "org_type": "social_group",
        "category": "culture_sports",
        "district": "龙岗区",
        "street": "坂田街道",
        "community": "象角塘社区",  # seat community illustrative
        "rating": "3A",  # 2022 龙岗区社会组织评估 3A (stated in the report)
        "star_rating": 4,
        "party_members": 5,
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 3,
        "volunteer_count": 120,
        "founded_year": 2015,
        "contact_person": "陈志强",
        "contact_phone": "13800000002",
        "address": "坂田街道象角塘社区文化室",
        "intro": "街道级摄影爱好者团体，记录社区变迁，为社区活动和志愿服务提供影像支持。",
        "credit_code": None,
    },
    {
        "name": "象角塘社区老年协会",
        "registration": "filed",
        "org_type": "community_filed",
        "category": "community_affairs",
        "district": "龙岗区",
        "street": "坂田街道",
        "community": "象角塘社区",
        "rating": None,
        "star_rating": 4,
        "party_members": 9,
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 0,
        "volunteer_count": 260,
        "founded_year": 2019,
        "contact_person": "刘桂英",
        "contact_phone": "13800000003",
        "address": "象角塘社区党群服务中心",
        "intro": "由社区能人带领组建17支老年社团，成员通过居民议事会参与物业管理、市容环境提升和文明小区创建。",
        "filing_number": "坂田备〔2019〕第008号",
    },
    {
        "name": "象角塘社区长青老龄大学",
        "registration": "filed",
        "org_type": "community_filed",
        "category": "culture_sports",
        "district": "龙岗区",
        "street": "坂田街道",
        "community": "象角塘社区",
        "rating": None,
        "star_rating": 3,
        "party_members": 4,
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 2,
        "volunteer_count": 30,
        "founded_year": 2020,
        "contact_person": "张玉梅",
        "contact_phone": "13800000004",
        "address": "象角塘社区佳兆业中央广场活动室",
        "intro": "社区老年协会开办的老年大学，开设合唱、朗诵、书法、太极等课程，自主招生300余人。",
        "filing_number": "坂田备〔2020〕第012号",
    },
    {
        "name": "象角塘社区噪音管理委员会",
        "registration": "filed",
        "org_type": "community_filed",
        "category": "community_affairs",
        "district": "龙岗区",
        "street": "坂田街道",
        "community": "象角塘社区",
        "rating": None,
        "star_rating": 4,
        "party_members": 3,
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 0,
        "volunteer_count": 45,
        "founded_year": 2021,
        "contact_person": "黄建国",
        "contact_phone": "13800000005",
        "address": "象角塘社区党群服务中心",
        "intro": "在社区党委指导下成立，与小区27支广场舞队伍签订降噪协议，开展巡查督导，推动广场舞噪音污染自治管理。",
        "filing_number": "坂田备〔2021〕第015号",
    },
    {
        "name": "五和社区平安联合会",
        "registration": "registered",
        "org_type": "social_group",
        "category": "community_affairs",
        "district": "龙岗区",
        "street": "坂田街道",
        "community": "五和社区",
        "rating": "2A",
        "star_rating": 4,
        "party_members": 6,
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 4,
        "volunteer_count": 80,
        "founded_year": 2018,
        "contact_person": "李伟",
        "contact_phone": "13800000006",
        "address": "五和社区党群服务中心一楼",
        "intro": "在五和公益基金支持下成立社区心理咨询室，每周五邀请专业心理咨询师为居民提供免费心理咨询。",
        "credit_code": None,
    },
    {
        "name": "五和社区老年协会",
        "registration": "filed",
        "org_type": "community_filed",
        "category": "charity",
        "district": "龙岗区",
        "street": "坂田街道",
        "community": "五和社区",
        "rating": None,
        "star_rating": 3,
        "party_members": 7,
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 0,
        "volunteer_count": 90,
        "founded_year": 2017,
        "contact_person": "赵淑芬",
        "contact_phone": "13800000007",
        "address": "五和社区老年活动中心",
        "intro": "在五和公益基金资助下开展慰问困难群体活动，走访慰问青少年及病困老年人。",
        "filing_number": "坂田备〔2017〕第003号",
    },
    {
        "name": "妈妈荟",
        "registration": "filed",
        "org_type": "community_filed",
        "category": "community_affairs",
        "district": "龙岗区",
        "street": "坂田街道",
        "community": "万科城社区",
        "rating": None,
        "star_rating": 5,
        "party_members": 4,
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 3,
        "volunteer_count": 60,
        "founded_year": 2018,
        "contact_person": "孙晓燕",
        "contact_phone": "13800000008",
        "address": "万科城社区党群服务中心妈妈荟工作室",
        "intro": "专注邻里纠纷化解和心理健康建设，为家庭、亲子关系紧张的父母和青春期少年提供辅导与调解服务。",
        "filing_number": "坂田备〔2018〕第021号",
    },
    {
        "name": "奶奶厨房帮",
        "registration": "filed",
        "org_type": "community_filed",
        "category": "life_service",
        "district": "龙岗区",
        "street": "坂田街道",
        "community": "四季花城社区",
        "rating": None,
        "star_rating": 5,
        "party_members": 5,
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 0,
        "volunteer_count": 70,
        "founded_year": 2016,
        "contact_person": "周秀兰",
        "contact_phone": "13800000009",
        "address": "四季花城社区党群服务中心",
        "intro": "与空巢、独居、行动不便老人结成“一帮一”对子，提供爱心帮厨、探访、卫生清洁和缝补衣物服务。",
        "filing_number": "坂田备〔2016〕第006号",
    },
    {
        "name": "深圳市南坑社区圆梦慈善基金会",
        "registration": "registered",
        "org_type": "foundation",
        "category": "charity",
        "district": "龙岗区",
        "street": "坂田街道",
        "community": "南坑社区",
        "rating": "4A",
        "star_rating": None,
        "party_members": 3,
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 4,
        "volunteer_count": 50,
        "founded_year": 2014,
        "contact_person": "吴建华",
        "contact_phone": "13800000010",
        "address": "南坑社区党群服务中心三楼",
        "intro": "全国第一家社区基金会，开展社区特殊人群帮扶、社区社会组织培育扶持和社区公益项目资助，举办来深建设者子女“小候鸟”夏令营。",
        "credit_code": None,
    },
    {
        "name": "深圳市龙岗区南岭村社区基金会",
        "registration": "registered",
        "org_type": "foundation",
        "category": "charity",
        "district": "龙岗区",
        "street": "南湾街道",
        "community": "南岭村社区",
        "rating": "3A",
        "star_rating": None,
        "party_members": 4,
        "party_branch": "independent",
        "credit_status": "normal",
        "staff_count": 3,
        "volunteer_count": 20,
        "founded_year": 2015,
        "contact_person": "郑光明",
        "contact_phone": "13800000011",
        "address": "南岭村社区综合服务楼",
        "intro": "非公募社区基金会，在扶弱济困、资助社区公益项目和扶持社区社会组织发展方面发挥示范作用。",
        "credit_code": None,
    },
    {
        "name": "龙岗区社区公益联合基金会",  # illustrative
        "registration": "registered",
        "org_type": "foundation",
        "category": "charity",
        "district": "龙岗区",
        "street": "坂田街道",
        "community": "五和社区",
        "rating": "4A",
        "star_rating": None,
        "party_members": 5,
        "party_branch": "independent",
        "credit_status": "normal",
        "staff_count": 6,
        "volunteer_count": 15,
        "founded_year": 2016,
        "contact_person": "何静",
        "contact_phone": "13800000012",
        "address": "坂田街道五和大道（示例地址）",
        "intro": "公募基金会，按龙岗区“基金会+社区基金”模式为街道和社区设立冠名基金，整合社区企业资源参与基层治理。",
        "credit_code": None,
    },
    # ---- 南山区 南山街道 ---------------------------------------------------
    {
        "name": "荔林关爱中心",
        "registration": "registered",
        "org_type": "private_non_enterprise",
        "category": "charity",
        "district": "南山区",
        "street": "南山街道",
        "community": "荔林社区",
        "rating": "2A",
        "star_rating": 5,
        "party_members": 28,
        "party_branch": "independent",
        "credit_status": "normal",
        "staff_count": 5,
        "volunteer_count": 1809,
        "founded_year": 2021,
        "contact_person": "林海燕",
        "contact_phone": "13800000013",
        "address": "荔林社区专用场地（约70平米）",
        "intro": "成员三年从几十人增至1809人，自筹款项为老旧小区新建单车棚、设立免费学生复印打印点，承接民生微项目，并向连平、百色、甘肃震区捐款捐物。",
        "credit_code": None,
    },
    {
        "name": "荔芳社区食品安全自治会",
        "registration": "filed",
        "org_type": "community_filed",
        "category": "community_affairs",
        "district": "南山区",
        "street": "南山街道",
        "community": "荔芳社区",
        "rating": None,
        "star_rating": 3,
        "party_members": 4,
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 0,
        "volunteer_count": 35,
        "founded_year": 2022,
        "contact_person": "杨帆",
        "contact_phone": "13800000014",
        "address": "荔芳社区党群服务中心",
        "intro": "针对辖区网红餐饮店、外卖店密集的情况培育的安全自治会，开展食品安全巡查和宣传。",
        "filing_number": "南山备〔2022〕第031号",
    },
    {
        "name": "南园骑手互助会",
        "registration": "filed",
        "org_type": "community_filed",
        "category": "life_service",
        "district": "南山区",
        "street": "南山街道",
        "community": "南园社区",
        "rating": None,
        "star_rating": 3,
        "party_members": 8,
        "party_branch": "independent",  # 骑手党支部 (stated in the report)
        "credit_status": "normal",
        "staff_count": 0,
        "volunteer_count": 110,
        "founded_year": 2022,
        "contact_person": "马小军",
        "contact_phone": "13800000015",
        "address": "南园村骑手驿站",
        "intro": "在快递小哥聚居的南园村筹建的骑手互助组织，同步建立骑手党支部，开展互助和关爱活动。",
        "filing_number": "南山备〔2022〕第047号",
    },
    {
        "name": "月亮湾物流协会",
        "registration": "registered",
        "org_type": "social_group",
        "category": "community_affairs",
        "district": "南山区",
        "street": "南山街道",
        "community": "月亮湾社区",
        "rating": None,
        "star_rating": 3,
        "party_members": 9,
        "party_branch": "independent",
        "credit_status": "normal",
        "staff_count": 2,
        "volunteer_count": 60,
        "founded_year": 2021,
        "contact_person": "邓国强",
        "contact_phone": "13800000016",
        "address": "月亮湾花园物流司机之家",
        "intro": "针对月亮湾花园货车司机扎堆的情况成立，落实党建入章，参与安全生产和交通治理。",
        "credit_code": None,
    },
    {
        "name": "风华楼联会",
        "registration": "filed",
        "org_type": "community_filed",
        "category": "community_affairs",
        "district": "南山区",
        "street": "南山街道",
        "community": "学府社区",  # community illustrative: the report gives none
        "rating": None,
        "star_rating": 5,
        "party_members": 32,  # 75 members, 42.5% party members
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 0,
        "volunteer_count": 75,
        "founded_year": 2020,
        "contact_person": "高志明",
        "contact_phone": "13800000017",
        "address": "风华楼小区活动室",
        "intro": "典型的党员社区社会组织，主动承担业委会职能，2023年调解邻里纠纷60多起，协调开通地铁接驳微巴。",
        "filing_number": "南山备〔2020〕第019号",
    },
    {
        "name": "学府社区治理联合会",
        "registration": "filed",
        "org_type": "community_filed",
        "category": "community_affairs",
        "district": "南山区",
        "street": "南山街道",
        "community": "学府社区",
        "rating": None,
        "star_rating": 4,
        "party_members": 10,
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 0,
        "volunteer_count": 95,
        "founded_year": 2021,
        "contact_person": "罗晓红",
        "contact_phone": "13800000018",
        "address": "学府社区党群服务中心",
        "intro": "枢纽型社区社会组织，平均每年上报安全隐患100多条，排查电动自行车室内充电行为并举办消防演练。",
        "filing_number": "南山备〔2021〕第026号",
    },
    {
        "name": "南山粤剧团",
        "registration": "registered",
        "org_type": "social_group",
        "category": "culture_sports",
        "district": "南山区",
        "street": "南山街道",
        "community": "南园社区",  # seat community illustrative
        "rating": "4A",
        "star_rating": 5,
        "party_members": 6,
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 6,
        "volunteer_count": 40,
        "founded_year": 2010,
        "contact_person": "梁锦华",
        "contact_phone": "13800000019",
        "address": "南山街道文体中心排练厅",
        "intro": "每周送粤剧课到中小学，覆盖学生超万人，荣获深圳市社团银奖，创作演出作品获市级金奖。",
        "credit_code": None,
    },
    # ---- 仓山区 金山街道 金洲社区 -----------------------------------------
    {
        "name": "福州市仓山区上古健康服务中心",
        "registration": "registered",
        "org_type": "private_non_enterprise",
        "category": "life_service",
        "district": "仓山区",
        "street": "金山街道",
        "community": "金洲社区",
        "rating": "3A",
        "star_rating": 4,
        "party_members": 6,  # 6 full members (stated in the report)
        "party_branch": "independent",
        "credit_status": "normal",
        "staff_count": 15,
        "volunteer_count": 40,
        "founded_year": 2016,
        "contact_person": "陈美玲",
        "contact_phone": "13800000020",
        "address": "金山生活区一期中区金洲社区",
        "intro": "为解决辖区老年人居家养老需求引进，立足金洲社区辐射金山街道18个社区，累计服务12万人次；金洲社区党委孵化的第一家社会组织党支部。",
        "credit_code": None,
    },
    {
        "name": "熠家心理工作室",
        "registration": "filed",
        "org_type": "community_filed",
        "category": "life_service",
        "district": "仓山区",
        "street": "金山街道",
        "community": "金洲社区",
        "rating": None,
        "star_rating": 3,
        "party_members": 2,
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 4,
        "volunteer_count": 12,
        "founded_year": 2018,
        "contact_person": "林慧",
        "contact_phone": "13800000021",
        "address": "金洲社区党群服务中心二楼",
        "intro": "由高校心理学教授提供专业咨询，开展青少年自主学习研究和沙盘游戏心理治疗。",
        "filing_number": "金山备〔2018〕第004号",
    },
    {
        "name": "乐探机器人工作室",
        "registration": "filed",
        "org_type": "community_filed",
        "category": "culture_sports",
        "district": "仓山区",
        "street": "金山街道",
        "community": "金洲社区",
        "rating": None,
        "star_rating": 2,
        "party_members": 1,
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 3,
        "volunteer_count": 8,
        "founded_year": 2019,
        "contact_person": "郑浩",
        "contact_phone": "13800000022",
        "address": "金洲社区青少年活动室",
        "intro": "社区引进的青少年科创工作室，开展机器人编程和科技兴趣活动。",
        "filing_number": "金山备〔2019〕第007号",
    },
    {
        "name": "番薯乐园自然科学推广中心",
        "registration": "registered",
        "org_type": "private_non_enterprise",
        "category": "charity",
        "district": "仓山区",
        "street": "金山街道",
        "community": "金洲社区",
        "rating": "1A",
        "star_rating": 3,
        "party_members": 0,
        "party_branch": "none",
        "credit_status": "normal",
        "staff_count": 5,
        "volunteer_count": 25,
        "founded_year": 2019,
        "contact_person": "黄丽娟",
        "contact_phone": "13800000023",
        "address": "金洲社区科普工作室",
        "intro": "面向社区儿童推广自然科学和环保知识，组织自然观察和科普活动。",
        "credit_code": None,
    },
    {
        "name": "青禾社工",
        "registration": "registered",
        "org_type": "private_non_enterprise",
        "category": "charity",
        "district": "仓山区",
        "street": "金山街道",
        "community": "金洲社区",
        "rating": "3A",
        "star_rating": 4,
        "party_members": 3,
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 12,
        "volunteer_count": 60,
        "founded_year": 2017,
        "contact_person": "游佳",
        "contact_phone": "13800000024",
        "address": "金洲社区党群服务中心一楼",
        "intro": "专业社会工作服务机构，依托社区平台为困难群体、老人和青少年提供社工服务。",
        "credit_code": None,
    },
    # ---- 滨城区 市东街道 ---------------------------------------------------
    {
        "name": "市东街道健康管理协会",
        "registration": "registered",
        "org_type": "social_group",
        "category": "community_affairs",
        "district": "滨城区",
        "street": "市东街道",
        "community": "黄河社区",  # seat community illustrative
        "rating": "4A",
        "star_rating": None,
        "party_members": 11,
        "party_branch": "independent",  # 健康协会党总支 (stated in the report)
        "credit_status": "red",  # status illustrative
        "staff_count": 4,
        "volunteer_count": 76,
        "founded_year": 2021,
        "contact_person": "张丽华",
        "contact_phone": "13800000025",
        "address": "市东街道社会组织服务中心",
        "intro": "规范健康领域社会组织运行的行业协会，制定章程公约，引入第三方量化考核并设立“红黑榜”。",
        "credit_code": None,
    },
    {
        "name": "西王爱心公益帮扶队",
        "registration": "filed",
        "org_type": "community_filed",
        "category": "charity",
        "district": "滨城区",
        "street": "市东街道",
        "community": "渤海社区",  # community illustrative
        "rating": None,
        "star_rating": 4,
        "party_members": 7,
        "party_branch": "independent",
        "credit_status": "normal",
        "staff_count": 0,
        "volunteer_count": 85,
        "founded_year": 2019,
        "contact_person": "王秀芳",
        "contact_phone": "13800000026",
        "address": "市东街道社会组织服务中心",
        "intro": "以“扶弱济困党员在你身边”为品牌，组织“夕阳红”一日游、走访慰问市儿童福利院等志愿服务。",
        "filing_number": "市东备〔2019〕第011号",
    },
    {
        "name": "心情驿站",
        "registration": "filed",
        "org_type": "community_filed",
        "category": "life_service",
        "district": "滨城区",
        "street": "市东街道",
        "community": "新立社区",  # community illustrative
        "rating": None,
        "star_rating": 3,
        "party_members": 3,
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 2,
        "volunteer_count": 30,
        "founded_year": 2020,
        "contact_person": "刘晓梅",
        "contact_phone": "13800000027",
        "address": "市东街道社会组织服务中心共享空间",
        "intro": "开展“搭把手不孤单”项目，为独居老人和有心理困扰的居民提供陪伴与心理疏导。",
        "filing_number": "市东备〔2020〕第018号",
    },
    {
        "name": "金钥匙儿童康复中心",
        "registration": "registered",
        "org_type": "private_non_enterprise",
        "category": "charity",
        "district": "滨城区",
        "street": "市东街道",
        "community": "黄河社区",  # community illustrative
        "rating": "3A",
        "star_rating": 4,
        "party_members": 2,
        "party_branch": "joint",
        "credit_status": "normal",
        "staff_count": 18,
        "volunteer_count": 20,
        "founded_year": 2015,
        "contact_person": "孟娟",
        "contact_phone": "13800000028",
        "address": "市东街道（示例地址）",
        "intro": "为适龄婴幼儿开展自闭症筛查和免费评估，为患儿家长举办公益课堂，带领残疾儿童走进社会参加公益活动。",
        "credit_code": None,
    },
    {
        "name": "沪滨爱尔眼科",
        "registration": "registered",
        "org_type": "enterprise",
        "category": "charity",
        "district": "滨城区",
        "street": "市东街道",
        "community": "渤海社区",  # community illustrative
        "rating": None,
        "star_rating": None,
        "party_members": 20,
        "party_branch": "independent",
        "credit_status": "normal",
        "staff_count": 150,
        "volunteer_count": 30,
        "founded_year": 2012,
        "contact_person": "赵磊",
        "contact_phone": "13800000029",
        "address": "市东街道（示例地址）",
        "intro": "企业捐赠方：开展“红心亮眼行动”和养老服务中心义诊，开通免费接送班车专线，为贫困家庭减轻术后复查负担。",
        "credit_code": None,
    },
    {
        "name": "滨城区康悦养生咨询服务中心",  # illustrative
        "registration": "registered",
        "org_type": "private_non_enterprise",
        "category": "life_service",
        "district": "滨城区",
        "street": "市东街道",
        "community": "新立社区",
        "rating": None,
        "star_rating": 1,
        "party_members": 0,
        "party_branch": "none",
        "credit_status": "black",  # illustrative: demo of the 红黑榜 black list
        "staff_count": 3,
        "volunteer_count": 0,
        "founded_year": 2020,
        "contact_person": "钱进",
        "contact_phone": "13800000030",
        "address": "市东街道（示例地址）",
        "intro": "示例组织：因以公益讲座名义推销保健品被列入行业“黑榜”，不得承接政府项目。",
        "credit_code": None,
    },
]

# ---------------------------------------------------------------------------
# Funds.  Amounts are in whole yuan; contributions and dates are illustrative,
# sized after the figures the reports quote.
# ---------------------------------------------------------------------------

FUNDS = [
    {
        "name": "龙岗区公益创投大赛财政专项资金",
        "kind": "fiscal",
        "owner": "龙岗区社会创新中心",
        "host": None,
        "description": "区级公益创投项目大赛的财政专项资金，重点资助心理健康、法律援助、矫治安帮、纠纷调处等基层治理服务项目。",
        "service_areas": [],
        "target_groups": [],
        "communities": [
            "象角塘社区",
            "南坑社区",
            "五和社区",
            "万科城社区",
            "四季花城社区",
            "南岭村社区",
        ],
        "categories": [],
        "contributions": [
            {
                "amount_yuan": 1800000,
                "counterparty": "龙岗区财政局",
                "date": "2025-03-01",
                "memo": "2025年度公益创投大赛资金拨付（首期）",
            },
            {
                "amount_yuan": 1200000,
                "counterparty": "龙岗区财政局",
                "date": "2025-09-01",
                "memo": "2025年度公益创投大赛资金拨付（二期）",
            },
        ],
    },
    {
        "name": "南山街道社会治理创新大赛专项资金",
        "kind": "fiscal",
        "owner": "南山街道办事处",
        "host": None,
        "description": "街道社会治理创新大赛以赛代训，扶持重点社区治理和服务项目落地。",
        "service_areas": [],
        "target_groups": [],
        "communities": ["荔林社区", "荔芳社区", "学府社区", "南园社区", "月亮湾社区"],
        "categories": [],
        "contributions": [
            {
                "amount_yuan": 140000,
                "counterparty": "南山街道办事处",
                "date": "2023-04-10",
                "memo": "第一届大赛资金",
            },
            {
                "amount_yuan": 140000,
                "counterparty": "南山街道办事处",
                "date": "2024-04-10",
                "memo": "第二届大赛资金",
            },
            {
                "amount_yuan": 140000,
                "counterparty": "南山街道办事处",
                "date": "2025-04-10",
                "memo": "第三届大赛资金",
            },
        ],
    },
    {
        "name": "坂田街道“幸福老人计划”项目资金",
        "kind": "fiscal",
        "owner": "坂田街道办事处",
        "host": None,
        "description": "街道整合的“幸福老人计划”项目平台资金，只资助为老服务项目。",
        "service_areas": ["elderly"],
        "target_groups": ["elderly"],
        "communities": ["象角塘社区", "南坑社区", "五和社区", "万科城社区", "四季花城社区"],
        "categories": [],
        "contributions": [
            {
                "amount_yuan": 300000,
                "counterparty": "坂田街道办事处",
                "date": "2025-02-20",
                "memo": "2025年度幸福老人计划资金",
            },
        ],
    },
    {
        "name": "坂田街道民生实事“大盆菜”项目资金",
        "kind": "livelihood",
        "owner": "坂田街道办事处",
        "host": None,
        "description": "由居民点单的民生实事“大盆菜”项目资金，支持社区社会组织开展贴近居民需求的活动。",
        "service_areas": [],
        "target_groups": [],
        "communities": ["象角塘社区", "南坑社区", "五和社区", "万科城社区", "四季花城社区"],
        "categories": ["charity", "life_service", "community_affairs", "culture_sports"],
        "contributions": [
            {
                "amount_yuan": 500000,
                "counterparty": "坂田街道办事处",
                "date": "2025-03-15",
                "memo": "2025年度民生实事“大盆菜”资金",
            },
        ],
    },
    {
        "name": "南坑圆梦慈善公益基金",
        "kind": "community_foundation",
        "owner": "深圳市南坑社区圆梦慈善基金会",
        "host": None,
        "description": "社区基金会资助南坑社区特殊人群帮扶、社区社会组织培育和“老、妇、幼、残”及来深建设者服务项目。",
        "service_areas": ["poverty", "youth", "disability", "elderly"],
        "target_groups": ["children", "migrants", "elderly", "women", "disabled", "low_income"],
        "communities": ["南坑社区"],
        "categories": ["charity", "life_service"],
        "contributions": [
            {
                "amount_yuan": 200000,
                "counterparty": "南坑社区股份合作公司",
                "date": "2025-01-18",
                "memo": "年度定向捐赠（示例）",
            },
            {
                "amount_yuan": 36800,
                "counterparty": "南坑社区居民众筹",
                "date": "2025-06-01",
                "memo": "“小候鸟”夏令营众筹（示例）",
            },
        ],
    },
    {
        "name": "五和公益基金",
        "kind": "named_fund",
        "owner": "五和社区党委",
        "host": "龙岗区社区公益联合基金会",
        "description": "社区级冠名公益基金，以“扶危济困”方式支持五和社区社会组织，曾资助社区心理咨询室和老年协会慰问活动。",
        "service_areas": ["mental_health", "elderly", "poverty"],
        "target_groups": ["residents", "elderly", "children", "low_income"],
        "communities": ["五和社区"],
        "categories": [],
        "contributions": [
            {
                "amount_yuan": 80000,
                "counterparty": "五和社区辖区企业联合捐赠",
                "date": "2025-01-10",
                "memo": "冠名基金年度注资（示例）",
            },
            {
                "amount_yuan": 20000,
                "counterparty": "五和社区居民",
                "date": "2025-05-20",
                "memo": "慈善日社区募捐（示例）",
            },
        ],
    },
    {
        "name": "金洲社区社会组织孵化启动资金",
        "kind": "fiscal",
        "owner": "金洲社区党委",
        "host": None,
        "description": "“四个一”孵化模式中为新引进的社会组织落实的一笔启动资金。",
        "service_areas": [],
        "target_groups": [],
        "communities": ["金洲社区"],
        "categories": [],
        "contributions": [
            {
                "amount_yuan": 60000,
                "counterparty": "金山街道办事处",
                "date": "2025-02-28",
                "memo": "2025年度孵化启动资金（示例）",
            },
        ],
    },
    {
        "name": "沪滨爱尔眼科“红心亮眼行动”公益捐赠",
        "kind": "corporate",
        "owner": "沪滨爱尔眼科",
        "host": None,
        "description": "企业捐赠资金，支持为老人、困难家庭和残疾儿童开展的健康公益服务。",
        "service_areas": ["elderly", "poverty", "disability"],
        "target_groups": ["elderly", "low_income", "children", "disabled"],
        "communities": [],
        "categories": [],
        "contributions": [
            {
                "amount_yuan": 100000,
                "counterparty": "沪滨爱尔眼科",
                "date": "2025-07-01",
                "memo": "“七一”公益捐赠（示例）",
            },
        ],
    },
]

# ---------------------------------------------------------------------------
# Demo logins (all share DEMO_PASSWORD).
# ---------------------------------------------------------------------------

USERS = [
    {
        "username": "organiser",
        "display_name": "南山街道社会组织服务中心 管理员",
        "role": "organiser",
        "organisation": None,
        "email": "organiser@demo.invalid",
    },
    # Organisers with a scope: a district sees its streets, a street its communities.
    {
        "username": "longgang",
        "display_name": "龙岗区社会组织总会 管理员",
        "role": "organiser",
        "organisation": None,
        "scope": "龙岗区",
        "email": "longgang@demo.invalid",
    },
    {
        "username": "nanshan",
        "display_name": "南山街道 社区社会组织专干",
        "role": "organiser",
        "organisation": None,
        "scope": "南山街道",
        "email": "nanshan@demo.invalid",
    },
    {
        "username": "bantian",
        "display_name": "坂田街道 社区社会组织专干",
        "role": "organiser",
        "organisation": None,
        "scope": "坂田街道",
        "email": "bantian@demo.invalid",
    },
    {
        "username": "finance",
        "display_name": "陈静（街道财务）",
        "role": "finance",
        "organisation": None,
        "email": "finance@demo.invalid",
    },
    {
        "username": "judge1",
        "display_name": "李教授（深圳大学社会工作系）",
        "role": "judge",
        "organisation": None,
        "email": "judge1@demo.invalid",
    },
    {
        "username": "judge2",
        "display_name": "周老师（社区治理评审专家）",
        "role": "judge",
        "organisation": None,
        "email": "judge2@demo.invalid",
    },
    {
        "username": "judge3",
        "display_name": "陈主任（社工机构督导）",
        "role": "judge",
        "organisation": None,
        "email": "judge3@demo.invalid",
    },
    {
        "username": "judge4",
        "display_name": "黄会计师（财务评审）",
        "role": "judge",
        "organisation": None,
        "email": "judge4@demo.invalid",
    },
    {
        "username": "judge5",
        "display_name": "刘老师（心理咨询师）",
        "role": "judge",
        "organisation": None,
        "email": "judge5@demo.invalid",
    },
    {
        "username": "funder",
        "display_name": "吴建华（南坑社区圆梦慈善基金会）",
        "role": "funder",
        "organisation": "深圳市南坑社区圆梦慈善基金会",
        "email": "funder@demo.invalid",
    },
    {
        "username": "applicant1",
        "display_name": "王丽（坂田义工联）",
        "role": "applicant",
        "organisation": "坂田义工联",
        "email": "applicant1@demo.invalid",
    },
    {
        "username": "applicant2",
        "display_name": "孙晓燕（妈妈荟）",
        "role": "applicant",
        "organisation": "妈妈荟",
        "email": "applicant2@demo.invalid",
    },
    {
        "username": "applicant3",
        "display_name": "林海燕（荔林关爱中心）",
        "role": "applicant",
        "organisation": "荔林关爱中心",
        "email": "applicant3@demo.invalid",
    },
]

# ---------------------------------------------------------------------------
# Figures quoted verbatim from the reports, for impact pages.
# ---------------------------------------------------------------------------

HEADLINES = [
    {
        "source": "坂田街道 2023",
        "text": "2021年至今累计资助社区社会组织32个，共开展75个项目",
    },
    {
        "source": "坂田街道 2023",
        "text": "近三年来累计捐资六万余元开展慰问青少年及病困老年人等群体",
    },
    {
        "source": "坂田街道 2023",
        "text": "累计带动提供服务500多次，惠及有需求的群众1万余人次",
    },
    {
        "source": "南山街道 2024",
        "text": "近年共扶持26个重点社区治理和服务项目落地,累计投入42万元,开展活动180场,服务16万余人次",
    },
    {
        "source": "南山街道 2024",
        "text": "荔林关爱中心由2021年成立之初的几十人,三年时间就增加到1809人",
    },
    {
        "source": "龙岗区 2023",
        "text": "通过公益创投大赛等方式,龙岗区累计投入财政资金1800多万,资助优秀项目200多个",
    },
    {
        "source": "龙岗区 2023",
        "text": "截至2022年6月,深圳市龙岗区共有社会组织1810家,其中社区社会组织1007家",
    },
    {
        "source": "福州金洲社区",
        "text": "如今服务项目立足金洲社区辐射金山街道18个社区,服务9000余人,累计服务了12万人次",
    },
    {
        "source": "滨州市东街道",
        "text": "目前,发布的12项项目中,共有20家社会组织认领",
    },
    {
        "source": "滨州市东街道",
        "text": "协会成立以来,31家社会组织无一出现不良信用事件",
    },
]

# ---------------------------------------------------------------------------
# Unified social credit codes (GB 32100-2015).
# ---------------------------------------------------------------------------

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code_check_char(first17: str) -> str:
    """The 18th (check) character of a unified social credit code."""
    total = sum(
        CREDIT_CODE_CHARSET.index(ch) * w
        for ch, w in zip(first17.upper(), CREDIT_CODE_WEIGHTS, strict=True)
    )
    c = 31 - (total % 31)
    if c == 31:
        c = 0
    return CREDIT_CODE_CHARSET[c]


# Demo codes for the registered organisations, in ORGANISATIONS order:
# "5" + type digit (1 social group, 2 private non-enterprise, 3 foundation)
# or "91" for enterprises, + district division code + a 9-digit demo
# organisation code + check character.  The check characters were computed
# with credit_code_check_char when this file was written.
DEMO_CREDIT_CODES = {
    "坂田义工联": "514403072026000373",
    "坂田街道摄影协会": "51440307202600074X",
    "五和社区平安联合会": "514403072026001114",
    "深圳市南坑社区圆梦慈善基金会": "53440307202600148N",
    "深圳市龙岗区南岭村社区基金会": "53440307202600185H",
    "龙岗区社区公益联合基金会": "53440307202600222P",
    "荔林关爱中心": "52440305202600259N",
    "月亮湾物流协会": "51440305202600296L",
    "南山粤剧团": "51440305202600333T",
    "福州市仓山区上古健康服务中心": "523501042026003707",
    "番薯乐园自然科学推广中心": "52350104202600407B",
    "青禾社工": "523501042026004446",
    "市东街道健康管理协会": "51371602202600481M",
    "金钥匙儿童康复中心": "52371602202600518N",
    "沪滨爱尔眼科": "91371602202600555G",
    "滨城区康悦养生咨询服务中心": "52371602202600592C",
}
