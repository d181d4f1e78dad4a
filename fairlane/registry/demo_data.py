"""The invented city of the demo world: districts, offices, police stations, names, car
models. Plain data, kept apart from the seeding logic in `registry.demo`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from fairlane.registry.models import Office

# --- The city ----------------------------------------------------------------------------

# GB/T 2260 code, name, a population weight (roughly, per 10,000 residents), and three
# streets used for invented addresses.
DISTRICTS: Final = (
    ("310101", "黄浦区", 6, ("河南中路", "复兴东路", "西藏南路")),
    ("310104", "徐汇区", 11, ("漕溪北路", "龙华中路", "宜山路")),
    ("310105", "长宁区", 7, ("延安西路", "天山路", "仙霞路")),
    ("310106", "静安区", 10, ("共和新路", "武定路", "广中西路")),
    ("310107", "普陀区", 12, ("曹杨路", "真北路", "金沙江路")),
    ("310109", "虹口区", 7, ("四平路", "曲阳路", "西江湾路")),
    ("310110", "杨浦区", 12, ("国权路", "控江路", "黄兴路")),
    ("310112", "闵行区", 27, ("莘松路", "沪闵路", "七莘路")),
    ("310113", "宝山区", 22, ("牡丹江路", "友谊路", "沪太路")),
    ("310114", "嘉定区", 18, ("博乐路", "曹安公路", "城中路")),
    ("310115", "浦东新区", 57, ("张杨路", "川沙路", "龙阳路")),
    ("310116", "金山区", 8, ("卫零路", "蒙山路", "亭枫公路")),
    ("310117", "松江区", 19, ("人民北路", "荣乐东路", "九亭大街")),
    ("310118", "青浦区", 13, ("公园路", "城中北路", "淀山湖大道")),
    ("310120", "奉贤区", 11, ("南桥路", "解放东路", "环城东路")),
    ("310151", "崇明区", 6, ("八一路", "崇明大道", "东门路")),
)

_WEEKDAYS_AND_SATURDAY: Final = "周一至周五 9:00-17:00，周六 9:00-12:00"
_MONDAY_TO_SATURDAY: Final = "周一至周六 8:30-16:30"
_WEEKDAYS: Final = "周一至周五 9:00-16:30"

# Code, name, kind, district of the address, street, opening hours, districts covered.
# Every district is covered by exactly one office.
OFFICES: Final = (
    ("310000-00", "市车辆管理所", Office.Kind.MAIN, "310106", "共和新路", _WEEKDAYS_AND_SATURDAY,
     ("310101", "310106", "310109")),
    ("310115-01", "浦东分所", Office.Kind.BRANCH, "310115", "龙阳路", _WEEKDAYS_AND_SATURDAY, ("310115",)),
    ("310112-01", "闵行分所", Office.Kind.BRANCH, "310112", "莘松路", _WEEKDAYS_AND_SATURDAY,
     ("310112", "310104")),
    ("310113-01", "宝山分所", Office.Kind.BRANCH, "310113", "沪太路", _WEEKDAYS_AND_SATURDAY,
     ("310113", "310110")),
    ("310114-01", "嘉定服务站", Office.Kind.STATION, "310114", "博乐路", _MONDAY_TO_SATURDAY,
     ("310114", "310107")),
    ("310117-01", "松江服务站", Office.Kind.STATION, "310117", "荣乐东路", _MONDAY_TO_SATURDAY,
     ("310117", "310118", "310116")),
    ("310120-01", "奉贤服务站", Office.Kind.STATION, "310120", "南桥路", _WEEKDAYS, ("310120",)),
    ("310105-01", "长宁服务站", Office.Kind.STATION, "310105", "仙霞路", _WEEKDAYS, ("310105",)),
    ("310151-01", "崇明服务站", Office.Kind.STATION, "310151", "崇明大道", _WEEKDAYS, ("310151",)),
)  # fmt: skip

# How to get to each office (by office code), by metro and bus. Invented like the addresses.
OFFICE_DIRECTIONS: Final = {
    "310000-00": "地铁：1号线延长路站2号口出，沿共和新路向北步行约600米。\n"
    "公交：46路、95路、712路至共和新路延长路站下车。",
    "310115-01": "地铁：2号线、7号线、16号线、18号线龙阳路站4号口出，沿龙阳路向东步行约800米。\n"
    "公交：976路、983路至龙阳路白杨路站下车。",
    "310112-01": "地铁：1号线、5号线莘庄站北广场出，沿莘松路向西步行约1公里，或换乘闵行12路一站。\n"
    "公交：莘庄4路、闵行15路至莘松路沁春路站下车。",
    "310113-01": "地铁：7号线大场镇站3号口出，沿沪太路向北步行约700米。\n"
    "公交：159路、1208路至沪太路场联路站下车。",
    "310114-01": "地铁：11号线嘉定西站1号口出，换乘嘉定1路至博乐路塔城路站，步行约300米。\n"
    "公交：嘉定4路、嘉定12路至博乐路站下车。",
    "310117-01": "地铁：9号线醉白池站2号口出，沿人民南路向南至荣乐东路左转，步行约900米。\n"
    "公交：松江12路、松江21路至荣乐东路站下车。",
    "310120-01": "地铁：5号线望园路站3号口出，换乘南桥1路至南桥路解放东路站下车。\n"
    "公交：南桥3路、南桥17路至南桥路站下车。",
    "310105-01": "地铁：2号线威宁路站1号口出，沿威宁路向北至仙霞路右转，步行约500米。\n"
    "公交：57路、88路至仙霞路威宁路站下车。",
    "310151-01": "地铁：岛上暂无地铁；可乘2号线至上海科技馆站，换乘申崇四线至南门汽车站。\n"
    "公交：南门汽车站换乘南堡线至崇明大道站下车，步行约200米。",
}

# Police stations (派出所) by district: named after neighbourhoods; addresses are invented.
POLICE_STATIONS: Final = {
    "310101": ("外滩", "豫园"),
    "310104": ("天平路", "龙华"),
    "310105": ("新华路", "虹桥"),
    "310106": ("南京西路", "大宁"),
    "310107": ("长风", "真如"),
    "310109": ("四川北路", "江湾"),
    "310110": ("五角场", "控江"),
    "310112": ("莘庄", "七宝"),
    "310113": ("吴淞", "大场"),
    "310114": ("南翔", "安亭"),
    "310115": ("陆家嘴", "张江", "川沙"),
    "310116": ("朱泾", "枫泾"),
    "310117": ("泗泾", "九亭"),
    "310118": ("朱家角", "徐泾"),
    "310120": ("南桥", "柘林"),
    "310151": ("城桥", "堡镇"),
}

# --- People ------------------------------------------------------------------------------

# Common surnames, those frequent in Shanghai (陆, 顾, 沈, 徐, 朱 …) listed twice.
SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方邹孟熊秦邱江尹薛段雷侯史陶顾毛郝龚邵钱严戴莫孔汤施俞"
    "陆顾沈徐朱张王陈周吴钱"
)
MALE_GIVEN: Final = "伟强磊军勇杰涛明超斌鹏辉华建国峰浩宇俊晨文志海波刚平东林亮凯翔瑞博轩昊然睿嘉天远毅振宏春"
FEMALE_GIVEN: Final = "芳娜敏静丽艳娟霞燕玲婷雪慧颖琳洁莉倩佳雯怡欣悦晓梅红萍瑶诗雨梦思璐蕾薇婧秀兰"

# Classes on a licence, a weight, and the age range in which the holder may have them
# (from 60 no large vehicles, from 70 no motorcycles: L-DL 第65条).
LICENCE_CLASSES: Final = (
    ("C1", 56, 18, 99),
    ("C2", 20, 18, 99),
    ("C1 E", 3, 18, 69),
    ("C1 D", 2, 18, 69),
    ("C2 E", 1, 18, 69),
    ("B2", 5, 21, 59),
    ("B1", 2, 21, 59),
    ("B2 E", 1, 21, 59),
    ("A2", 3, 24, 59),
    ("A1", 2, 24, 59),
    ("A2 D", 1, 24, 59),
    ("A1 A2", 1, 26, 59),
)
# Point totals that the 1/3/6/9-point items add up to, the small ones most often.
POINT_TOTALS: Final = (1, 1, 1, 2, 3, 3, 3, 4, 6, 6, 7, 9, 10)

# --- Vehicles ----------------------------------------------------------------------------

# Model-year character (VIN position 10) for 2001–2030.
VIN_YEAR_CODES: Final = "123456789ABCDEFGHJKLMNPRSTVWXY"
SHANGHAI_AUTHORITIES: Final = "ABDEFGHJKLMN"


@dataclass(frozen=True)
class CarModel:
    brand: str
    wmi: str  # world manufacturer identifier of the maker
    vehicle_type: str  # VehicleType
    plate_type: str  # PlateType
    use: str  # VehicleUse
    seats: tuple[int, ...]
    weight: int
    since: int  # first year it could be registered


# Codes: K33 sedan, K31 SUV/MPV, K39 van, H31 light truck, H11 heavy truck, K21 medium bus,
# K11 large bus; plates 02 small (blue), 52 small new-energy, 01 large (yellow), 51 large
# new-energy; use A private, B passenger transport, C freight.
CAR_MODELS: Final = (
    CarModel("大众 朗逸", "LSV", "K33", "02", "A", (5,), 14, 2010),
    CarModel("大众 帕萨特", "LSV", "K33", "02", "A", (5,), 6, 2010),
    CarModel("大众 途观L", "LSV", "K31", "02", "A", (5, 7), 6, 2017),
    CarModel("大众 速腾", "LFV", "K33", "02", "A", (5,), 5, 2012),
    CarModel("别克 英朗", "LSG", "K33", "02", "A", (5,), 6, 2010),
    CarModel("别克 GL8", "LSG", "K31", "02", "A", (7,), 4, 2011),
    CarModel("日产 轩逸", "LGB", "K33", "02", "A", (5,), 6, 2012),
    CarModel("本田 雅阁", "LHG", "K33", "02", "A", (5,), 5, 2010),
    CarModel("丰田 凯美瑞", "LVG", "K33", "02", "A", (5,), 5, 2010),
    CarModel("福特 蒙迪欧", "LVS", "K33", "02", "A", (5,), 3, 2013),
    CarModel("宝马 3系", "LBV", "K33", "02", "A", (5,), 4, 2010),
    CarModel("奔驰 C级", "LE4", "K33", "02", "A", (5,), 4, 2010),
    CarModel("荣威 i5", "LSJ", "K33", "02", "A", (5,), 3, 2019),
    CarModel("哈弗 H6", "LGW", "K31", "02", "A", (5,), 4, 2011),
    CarModel("吉利 帝豪", "L6T", "K33", "02", "A", (5,), 3, 2010),
    CarModel("五菱 宏光", "LZW", "K39", "02", "A", (7,), 2, 2010),
    CarModel("特斯拉 Model 3", "LRW", "K33", "52", "A", (5,), 8, 2020),
    CarModel("特斯拉 Model Y", "LRW", "K31", "52", "A", (5,), 8, 2021),
    CarModel("比亚迪 秦PLUS", "LGX", "K33", "52", "A", (5,), 9, 2021),
    CarModel("比亚迪 汉", "LGX", "K33", "52", "A", (5,), 5, 2020),
    CarModel("比亚迪 唐", "LGX", "K31", "52", "A", (6, 7), 3, 2018),
    CarModel("蔚来 ES6", "LJ1", "K31", "52", "A", (5,), 3, 2019),
    CarModel("荣威 Ei5", "LSJ", "K33", "52", "A", (5,), 2, 2018),
    CarModel("福田 奥铃", "LVB", "H31", "02", "C", (3,), 2, 2012),
    CarModel("解放 J6P", "LFW", "H11", "01", "C", (2,), 1, 2010),
    CarModel("重汽 豪沃", "LZZ", "H11", "01", "C", (2, 3), 1, 2010),
    CarModel("宇通 ZK6729", "LZY", "K21", "01", "B", (17, 19), 1, 2012),
    CarModel("宇通 ZK6122", "LZY", "K11", "01", "B", (49, 51), 1, 2012),
    CarModel("比亚迪 K9", "LGX", "K11", "51", "B", (31, 35), 1, 2016),
)
# Motorcycles are left out: the model has no motorcycle plate type yet.
