// SPDX-License-Identifier: MIT
// The local market's stand-in for a staking protocol and an LST market: test tokens are
// minted at the Aave oracle's exchange rate (a sale pays a settable discount).
pragma solidity 0.8.10;

interface IMintable {
    function mint(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

interface IOracle {
    function getAssetPrice(address asset) external view returns (uint256);
}

contract LocalStaker {
    IOracle public immutable oracle;
    address public immutable weth;
    uint256 public discountBps;
    address public immutable admin;

    constructor(address oracle_, address weth_) {
        oracle = IOracle(oracle_);
        weth = weth_;
        admin = msg.sender;
    }

    function setDiscount(uint256 bps) external {
        require(msg.sender == admin && bps < 10000, "LocalStaker: discount");
        discountBps = bps;
    }

    function stake(address lst, uint256 wethIn) external returns (uint256 out) {
        require(IMintable(weth).transferFrom(msg.sender, address(this), wethIn), "LocalStaker: weth");
        out = (wethIn * oracle.getAssetPrice(weth)) / oracle.getAssetPrice(lst);
        IMintable(lst).mint(msg.sender, out);
    }

    function sell(address lst, uint256 lstIn) external returns (uint256 out) {
        require(IMintable(lst).transferFrom(msg.sender, address(this), lstIn), "LocalStaker: lst");
        out = (lstIn * oracle.getAssetPrice(lst)) / oracle.getAssetPrice(weth);
        out = (out * (10000 - discountBps)) / 10000;
        IMintable(weth).mint(msg.sender, out);
    }
}
