// Chinese names of the contract's codes, as officials read them (the same as the results
// report's, services/report/names.py; a test keeps the two equal).

export const COUNTY_NAMES = {
  city: '清远市（市级）',
  qingcheng: '清城区',
  qingxin: '清新区',
  yingde: '英德市',
  lianzhou: '连州市',
  fogang: '佛冈县',
  yangshan: '阳山县',
  lianshan: '连山壮族瑶族自治县',
  liannan: '连南瑶族自治县',
};

export const PLATFORM_NAMES = {
  douyin: '抖音电商',
  taobao: '淘宝直播',
  weishi: '微视',
  channels: '视频号',
  aiguang: '爱逛',
  yizhibo: '一直播',
  miniprogram: '小程序',
  kuaishou: '快手',
};

export const SPECIAL_NAMES = {
  launch: '启动仪式+趣摆摊惠生活专场',
  rural: '乡村振兴专场',
  fashion: '时尚清远专场',
};

/** Whose screen: the whole city's (county null) or one unit's. */
export const scopeName = (county) => (county ? COUNTY_NAMES[county] ?? county : '清远市');
